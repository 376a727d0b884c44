# Sourced by the MPI tests: run as root in CI, oversubscribe the 2-core machine, single-node
# transports, one BLAS thread per rank (../shared/TOOLCHAIN.md section 2).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
