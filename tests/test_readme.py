"""Every ```python block of README.md runs as written, in a fresh Python process.

A block runs from an empty folder (as a user's script would, so that what it writes stays out
of the checkout), with the tests' data folders (MNIST, facades) in the environment. HTML
comments on the lines right above a block, invisible on the rendered page, adjust its run:

- `<!-- skip: REASON -->`: not run, for the stated reason (one is required).
- `<!-- test on: jax -->`: runs only on the backends named (comma-separated).
- `<!-- test with: "OLD" -> "NEW" -->`: runs with OLD replaced by NEW, which must occur in the
  block once (e.g. `epochs=200` -> `epochs=1, steps_per_epoch=1`, so that a training snippet
  makes one step of a narrow model instead of hours of the real one).

Each block costs a process start (Keras, TensorFlow) and its own work, so a block without
`test on:` runs on one backend, each block on the next of the three in turn: the suite, run
once per backend, runs every block once.
"""

import os
import re
import subprocess
import sys

import pytest
from conftest import BACKEND, BACKENDS, ROOT

README = os.path.join(ROOT, "README.md")
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
DIRECTIVE = re.compile(r"^<!--\s*(skip|test on|test with)\s*:\s*(.*?)\s*-->$")
REPLACEMENT = re.compile(r"""^(["'])(.+?)\1\s*->\s*(["'])(.*?)\3$""")
TIMEOUT_S = 600


def readme_blocks(text):
    """`[(line, code, directives)]` for every python block of `text`; `directives` lists
    `(kind, value)` from the HTML comments on the lines right above the fence."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text[: match.start()].splitlines()
        directives = []
        while above and DIRECTIVE.match(above[-1].strip()):
            kind, value = DIRECTIVE.match(above.pop().strip()).groups()
            directives.insert(0, (kind, value))
        blocks.append((line, match.group(1), directives))
    return blocks


def prepared(code, directives, backend):
    """The code to run on `backend`, or the reason not to run it there."""
    for kind, value in directives:
        if kind == "skip":
            assert value, "a skipped README block must say why: <!-- skip: REASON -->"
            return None, f"skipped in README.md: {value}"
        if kind == "test on":
            backends = [b.strip() for b in value.split(",")]
            assert set(backends) <= set(BACKENDS), f"unknown backend in <!-- test on: {value} -->"
            if backend not in backends:
                return None, f"README.md runs this block on {value} only"
        if kind == "test with":
            replacement = REPLACEMENT.match(value)
            assert replacement, f"expected <!-- test with: \"OLD\" -> \"NEW\" -->, got {value!r}"
            old, new = replacement.group(2), replacement.group(4)
            assert code.count(old) == 1, f"<!-- test with: {value} -->: {old!r} occurs {code.count(old)} times in the block"
            code = code.replace(old, new)
    return code, None


BLOCKS = readme_blocks(open(README, encoding="utf-8").read())


def test_the_readme_has_python_blocks_and_the_directives_parse():
    assert len(BLOCKS) >= 5
    for _, code, directives in BLOCKS:
        for backend in BACKENDS:
            prepared(code, directives, backend)


def test_directives_are_read_from_the_lines_above_a_block():
    text = (
        "intro\n\n<!-- skip: needs a GPU -->\n```python\nprint(1)\n```\n\n"
        "<!-- test on: jax -->\n<!-- test with: 'epochs=9' -> 'epochs=1' -->\n```python\nfit(epochs=9)\n```\n"
        "```python\nprint(2)\n```\n"
    )
    (_, first, skip), (line, second, pinned), (_, third, none) = readme_blocks(text)
    assert skip == [("skip", "needs a GPU")] and prepared(first, skip, "jax") == (None, "skipped in README.md: needs a GPU")
    assert line == 10 and prepared(second, pinned, "jax") == ("fit(epochs=1)\n", None)
    assert prepared(second, pinned, "torch")[0] is None
    assert none == [] and prepared(third, none, "torch") == ("print(2)\n", None)
    with pytest.raises(AssertionError, match="occurs 0 times"):
        prepared("fit(epochs=3)\n", pinned, "jax")


@pytest.mark.parametrize(
    "index", range(len(BLOCKS)), ids=[f"line{line}" for line, _, _ in BLOCKS]
)
def test_readme_block_runs(index, tmp_path):
    line, code, directives = BLOCKS[index]
    if not any(kind == "test on" for kind, _ in directives):
        # In turn over the backends: each block once per run of the suite on all three.
        directives = directives + [("test on", BACKENDS[index % len(BACKENDS)])]
    code, reason = prepared(code, directives, BACKEND)
    if code is None:
        pytest.skip(reason)
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert result.returncode == 0, f"README.md line {line}:\n{code}\n{result.stderr[-3000:]}"
