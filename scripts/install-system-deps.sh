#!/usr/bin/env bash
# System packages the sandboxed verifier uses (docs/sandbox.md):
#   python3     runs candidates (any python3 >= 3.8 works; --python picks another one)
#   bubblewrap  bwrap: read-only filesystem view, user/net/pid/ipc namespaces, seccomp filter
#   util-linux  unshare: the fallback when bwrap is missing (present on every Debian)
# Made for Debian/Ubuntu (apt). Never fails the surrounding setup: when something cannot be installed
# it says what is missing and exits 0; the verifier then degrades (bubblewrap -> unshare -> rlimits)
# and logs which protections are in force.
set -u

PACKAGES=(python3 bubblewrap util-linux)
warn() { echo "install-system-deps: $*" >&2; }

have_all() {
  command -v python3 >/dev/null 2>&1 && command -v bwrap >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1
}

install_packages() {
  local sudo=()
  if [ "${EUID:-0}" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      warn "not root and no passwordless sudo: run as root: apt-get update && apt-get install -y ${PACKAGES[*]}"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    warn "apt-get not available: install ${PACKAGES[*]} with your package manager"
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get update -qq; then
    warn "apt-get update failed (offline?)"
    return 1
  fi
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null; then
    warn "apt-get install ${PACKAGES[*]} failed"
    return 1
  fi
}

if have_all; then
  echo "install-system-deps: python3, bwrap and unshare already present"
else
  install_packages || warn "continuing without some packages; the sandbox will degrade (see its log)"
fi

# Report what the sandbox will find; a failing check is information, not an error.
if command -v python3 >/dev/null 2>&1; then
  echo "install-system-deps: $(python3 --version 2>&1) at $(command -v python3)"
else
  warn "python3 missing: candidates cannot be verified until one is installed (or --python is given)"
fi
if command -v bwrap >/dev/null 2>&1; then
  if bwrap --unshare-all --die-with-parent --ro-bind / / true 2>/dev/null; then
    echo "install-system-deps: $(bwrap --version) works (user/net/pid namespaces available)"
  else
    warn "bwrap is installed but cannot create namespaces here (container without user namespaces?)"
    warn "the verifier will fall back to unshare or rlimits only; docs/sandbox.md says what that loses"
  fi
else
  warn "bwrap missing: the verifier falls back to unshare/rlimits (weaker: host filesystem visible)"
fi
exit 0
