# keras_condgan: `make demo` draws digits with the bundled preset, `make test`
# runs the test suite on TensorFlow, JAX and PyTorch. Both set up .venv first.

PYTHON ?= python3
VENV ?= .venv
BACKEND ?= tensorflow
# torch's CPU build: pip takes it from a local wheel store where one is
# configured; elsewhere set TORCH_INDEX="--index-url https://download.pytorch.org/whl/cpu"
# to avoid pulling the multi-GB CUDA build onto a CPU-only machine.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(TORCH_INDEX) "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[all,app,export,test]"
	touch $@

demo: install
	KERAS_BACKEND=$(BACKEND) $(PY) tools/demo.py --out samples

# KERAS_BACKEND is read once, when Keras is imported: one pytest run per backend.
test: install
	@status=0; for backend in tensorflow jax torch; do \
		echo "=== tests on $$backend ==="; \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) samples build *.egg-info
