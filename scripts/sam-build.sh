#!/usr/bin/env bash
# Build every Lambda function with `sam build` (artifacts in .aws-sam/build).
#
# All functions share one code bundle, .build/lambda/ = shared/ + functions/
# + requirements.txt, so handlers import `shared` as a normal package (no
# layers, no sys.path tricks) and SAM builds the bundle once for all of them.
#
# sam build (without a container) needs an interpreter matching the template's
# Runtime on PATH. When the plain name does not work, pyenv's copy is added
# through PYENV_VERSION. Extra arguments go to `sam build`.
set -euo pipefail
cd "$(dirname "$0")/.."

SAM="${SAM:-.venv-sam/bin/sam}"
BUNDLE=.build/lambda
export SAM_CLI_TELEMETRY=0

runtime="$(sed -nE 's/^ *Runtime: *(python3\.[0-9]+) *$/\1/p' template.yaml | head -n 1)"
if [[ -z "$runtime" ]]; then
    echo "sam-build: no 'Runtime: python3.X' line found in template.yaml" >&2
    exit 1
fi
version="${runtime#python}"

python_works() { "$runtime" -c 'import sys' >/dev/null 2>&1; }

if ! python_works && command -v pyenv >/dev/null 2>&1; then
    pyenv_python="$(pyenv versions --bare | grep -E "^${version//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)"
    if [[ -n "$pyenv_python" ]]; then
        # Keep the current default first so `python3` stays what it was.
        export PYENV_VERSION="$(pyenv version-name):${pyenv_python}"
        export PATH="$(pyenv root)/shims:$PATH"
    fi
fi
if ! python_works; then
    if command -v pyenv >/dev/null 2>&1; then where="pyenv has no ${version}.x"; else where="pyenv is not installed"; fi
    echo "sam-build: $runtime (the template's Runtime) is not on PATH and $where." >&2
    echo "sam-build: install Python ${version} (e.g. 'pyenv install ${version}') and re-run." >&2
    exit 1
fi

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE"
tar --exclude='__pycache__' --exclude='*.py[co]' -cf - shared functions | tar -xf - -C "$BUNDLE"
cp requirements.txt "$BUNDLE/"

exec "$SAM" build "$@"
