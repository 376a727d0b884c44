# mk/install.mk - make install / uninstall (PREFIX, DESTDIR) and make man (the generated man
# page and bash completion), included from the Makefile.
#
#   make install PREFIX=/opt/ovsweep                  # or DESTDIR=/tmp/stage for packaging
#   make uninstall PREFIX=/opt/ovsweep
#
# The tree under $(DESTDIR)$(PREFIX):
#   $(BIN)/ovsweep, $(BIN)/ovsweep-analysis (a relative symlink to the launcher below)
#   share/ovsweep/analysis/             the analysis package; its launcher runs it with $(PYTHON)
#   share/ovsweep/jobs/                 the SLURM batch scripts (docs/SLURM.md) and the
#                                       large-n study's list of runs (scaling.study)
#   share/man/man1/ovsweep.1, share/bash-completion/completions/ovsweep
PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL ?= install
PYTHON  ?= /usr/bin/python3
# Fixed below PREFIX: the ovsweep-analysis symlink and quick.sbatch's search for fig2.sbatch
# rely on this layout.
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/ovsweep
MANDIR  := $(PREFIX)/share/man/man1
COMPDIR := $(PREFIX)/share/bash-completion/completions

ANALYSIS_DATA := $(wildcard analysis/*.py) analysis/settings.json
JOB_SCRIPTS   := jobs/fig2.sbatch jobs/fig2_parts.sh jobs/quick.sbatch jobs/scaling.sbatch
JOB_DATA      := jobs/scaling.study
MAN_PAGE      := man/ovsweep.1
COMPLETION    := completion/ovsweep.bash

install: $(BIN)/ovsweep
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/analysis $(DESTDIR)$(DATADIR)/jobs \
	    $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	$(INSTALL) -m 755 $(BIN)/ovsweep $(DESTDIR)$(BINDIR)/ovsweep
	$(INSTALL) -m 644 $(ANALYSIS_DATA) $(DESTDIR)$(DATADIR)/analysis/
	sed '1s|^#!.*|#!$(PYTHON)|' analysis/ovsweep-analysis >$(DESTDIR)$(DATADIR)/analysis/ovsweep-analysis
	chmod 755 $(DESTDIR)$(DATADIR)/analysis/ovsweep-analysis
	ln -sf ../share/ovsweep/analysis/ovsweep-analysis $(DESTDIR)$(BINDIR)/ovsweep-analysis
	$(INSTALL) -m 755 $(JOB_SCRIPTS) $(DESTDIR)$(DATADIR)/jobs/
	$(INSTALL) -m 644 $(JOB_DATA) $(DESTDIR)$(DATADIR)/jobs/
	$(INSTALL) -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/ovsweep.1
	$(INSTALL) -m 644 $(COMPLETION) $(DESTDIR)$(COMPDIR)/ovsweep

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ovsweep $(DESTDIR)$(BINDIR)/ovsweep-analysis \
	    $(DESTDIR)$(MANDIR)/ovsweep.1 $(DESTDIR)$(COMPDIR)/ovsweep
	rm -rf $(DESTDIR)$(DATADIR)

# The man page and the completion come from the option table ($(BIN)/ovsweep --print-settings);
# both are checked in, and tests/install_test.sh fails when they differ from a regeneration.
man: $(BIN)/ovsweep
	$(PYTHON) tools/gen_man.py $(BIN)/ovsweep >$(MAN_PAGE).new && mv $(MAN_PAGE).new $(MAN_PAGE)
	$(PYTHON) tools/gen_completion.py $(BIN)/ovsweep >$(COMPLETION).new && mv $(COMPLETION).new $(COMPLETION)

.PHONY: install uninstall man
