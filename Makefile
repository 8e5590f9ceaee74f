# Everything a fresh Debian machine needs: `make run` and `make test` set it up first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The sandbox runs student code with Debian's interpreter and its own small set of packages:
# what notebooks import in Jupyter (grader/sandbox/student_env.py holds the same list).
SANDBOX_PYTHON ?= /usr/bin/python3
SANDBOX_ENV ?= .sandbox-env
STUDENT_PACKAGES ?= numpy matplotlib scikit-learn scipy pandas tqdm ipython ipywidgets

.PHONY: setup system run test test-fast typecheck lint bench clean constraints compose-test

setup: system $(VENV)/.installed $(SANDBOX_ENV)/.installed
	@$(PY) -m grader.sandbox.access $(SANDBOX_ENV)

system:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	command -v prlimit >/dev/null || missing="$$missing util-linux"; \
	[ -x $(SANDBOX_PYTHON) ] || missing="$$missing python3"; \
	$(SANDBOX_PYTHON) -c 'import seccomp' 2>/dev/null || missing="$$missing python3-seccomp"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing -- run: sudo apt-get install$$missing"; \
	    case "$$missing" in *bubblewrap*) exit 1;; esac; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# --no-warn-conflicts: the student environment is separate from .venv, which pip's check compares it with
$(SANDBOX_ENV)/.installed: Makefile grader/sandbox/seccomp_policy.py
	rm -rf $(SANDBOX_ENV)
	$(PY) -m pip install -q --no-warn-conflicts --target $(SANDBOX_ENV) --only-binary=:all: \
	  --python-version $$($(SANDBOX_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  $(STUDENT_PACKAGES)
	MPLCONFIGDIR=$(SANDBOX_ENV)/mplconfig MPLBACKEND=Agg $(SANDBOX_PYTHON) -I -S -c \
	  'import sys; sys.path.insert(0, "$(SANDBOX_ENV)"); import matplotlib.pyplot'
	$(SANDBOX_PYTHON) grader/sandbox/seccomp_policy.py $(SANDBOX_ENV)/seccomp.bpf \
	  || echo "warning: no seccomp filter (Debian package python3-seccomp is missing)"
	chmod -R a+rX $(SANDBOX_ENV)
	touch $@

run: setup
	$(VENV)/bin/grader serve

test: setup typecheck
	$(VENV)/bin/ruff check grader tests benchmarks assignments
	$(VENV)/bin/ruff format --check grader tests benchmarks assignments
	$(PY) -m pytest -q -n 4 --dist loadgroup

# the edit loop: no slow tests (training, resource limits), no browser, no containers
test-fast: setup
	$(VENV)/bin/ruff check grader tests benchmarks assignments
	$(PY) -m pytest -q -n 4 --dist loadgroup -m "not slow and not browser and not containers"

# settings in pyproject.toml ([tool.mypy]); no per-module exceptions
typecheck: setup
	$(VENV)/bin/mypy

lint: setup
	$(VENV)/bin/ruff check grader tests benchmarks assignments
	$(VENV)/bin/ruff format --check grader tests benchmarks assignments

bench: setup
	$(PY) benchmarks/grading_overhead.py

# constraints.txt, the exact versions the container image installs: a fresh resolution of
# the service's dependencies, the student environment's packages and the build backend
constraints:
	rm -rf build/constraints-venv
	$(PYTHON) -m venv build/constraints-venv
	build/constraints-venv/bin/pip install -q . $(STUDENT_PACKAGES) 'setuptools>=77'
	{ grep '^#' constraints.txt; build/constraints-venv/bin/pip freeze --all \
	  --exclude backprop-grader --exclude pip | sort -f; } > build/constraints.txt
	mv build/constraints.txt constraints.txt
	rm -rf build/constraints-venv

# The compose deployment on a real container engine (as root; installs Debian's docker.io,
# debootstrap and Compose v2 when missing, starts its own engine and stops it at the end).
COMPOSE_TEST_DIR ?= /tmp/grader-compose-test
compose-test: setup
	@compose=$$(COMPOSE_TEST_DIR=$(COMPOSE_TEST_DIR) tests/compose/install-tools.sh) && \
	GRADER_COMPOSE=$$compose GRADER_COMPOSE_TEST_DIR=$(COMPOSE_TEST_DIR) \
	  $(PY) -m pytest -q -p no:xdist -p no:cacheprovider -m containers tests/compose

clean:
	rm -rf $(VENV) $(SANDBOX_ENV)
