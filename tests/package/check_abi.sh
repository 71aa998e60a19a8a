#!/usr/bin/env bash
# The C ABI of libcallagent against its checked-in baseline (tests/package/abi/libcallagent.abi),
# with Debian's abigail-tools (a hard requirement: scripts/deps.sh test installs them).
#
#   check_abi.sh <libcallagent.so>            compare; fail on an incompatible change
#   check_abi.sh <libcallagent.so> --update   rewrite the baseline from this library
#
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change, 8 incompatible
# change (a removed function or symbol). Bit 8 fails. Bit 4 alone covers both additions and
# real breaks (abidiff rates a reordered struct or a changed parameter list as "change" too), so
# its report is read line by line: added functions and structs that grew at their tail pass
# (callagent.h's struct_size rule), anything else fails. A deliberate change is accepted by
# regenerating the baseline with --update in the same commit, where a reviewer sees it.
#
# Before comparing, the script checks itself on tiny libraries built on the spot: a tail
# addition must pass, a reorder, a changed signature and a removal must fail.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
headers=$root/include/callagent
baseline=$root/tests/package/abi/libcallagent.abi
lib=${1:?usage: check_abi.sh <libcallagent.so> [--update]}
mode=${2:-check}

for tool in abidw abidiff; do
  if ! command -v "$tool" >/dev/null; then
    echo "check_abi: $tool not found; install abigail-tools (scripts/deps.sh test)" >&2
    exit 1
  fi
done

abidw_opts=(--exported-interfaces-only --drop-private-types --drop-undefined-syms --no-corpus-path
            --no-comp-dir-path --no-show-locs --no-elf-needed --type-id-style hash)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The ABI of a library as text, with the source root cut from translation-unit paths so that the
# baseline does not depend on where the tree was checked out.
dump() {  # <lib> <out> [abidw options...]
  local in=$1 out=$2
  shift 2
  abidw "${abidw_opts[@]}" "$@" --out-file "$work/raw.abi" "$in" || return 1
  sed -e "s|path='$root/|path='|g" "$work/raw.abi" >"$out"
}

# Reads an abidiff report on stdin; prints the lines that are not a compatible addition.
not_additions() {
  sed -e 's/^[[:space:]]*//' | grep -v -E \
    -e '^$' \
    -e '^(Functions|Variables) changes summary:' \
    -e "^[0-9]+ Added (function|variable)s?:$" \
    -e "^\[A\] '" \
    -e "^[0-9]+ (function|variable)s? with some (indirect )?sub-type changes?:$" \
    -e "^\[C\] '(function|variable) .*' has some (indirect )?sub-type changes:$" \
    -e "^parameter [0-9]+ of type '.*' has sub-type changes:$" \
    -e "^in pointed to type '.*':$" \
    -e "^in unqualified underlying type '.*':$" \
    -e "^underlying type '(struct|union) .*' changed:$" \
    -e "^type of '.*' changed:$" \
    -e "^type size (changed from [0-9]+ to [0-9]+ \(in bits\)|hasn't changed)$" \
    -e "^[0-9]+ data member changes?:$" \
    -e "^[0-9]+ data member insertions?:$" \
    -e "^'.*', at offset [0-9]+ \(in bits\)$"
}

# Compares two dumps: 0 compatible, 1 not; the report goes to "$3".
compare() {  # <old> <new> <report>
  local rc bad
  abidiff --no-show-locs "$1" "$2" >"$3" 2>&1
  rc=$?
  if ((rc & 3)); then echo "abidiff failed (status $rc)" >>"$3"; return 1; fi
  if ((rc & 8)); then return 1; fi
  if ((rc & 4)); then
    bad=$(not_additions <"$3")
    [[ -z "$bad" ]] || { printf '\nnot a tail addition:\n%s\n' "$bad" >>"$3"; return 1; }
  fi
  return 0
}

self_test() {
  local cc=${CC:-cc} v
  cat >"$work/v1.c" <<'EOF'
typedef struct p { unsigned struct_size; int a; int b; } p;
__attribute__((visibility("default"))) int f(const p *x) { return x->a; }
__attribute__((visibility("default"))) int g(void) { return 1; }
EOF
  cat >"$work/tail.c" <<'EOF'
typedef struct p { unsigned struct_size; int a; int b; int c; } p;
__attribute__((visibility("default"))) int f(const p *x) { return x->a; }
__attribute__((visibility("default"))) int g(void) { return 1; }
__attribute__((visibility("default"))) int h(void) { return 2; }
EOF
  cat >"$work/reorder.c" <<'EOF'
typedef struct p { unsigned struct_size; int b; int a; } p;
__attribute__((visibility("default"))) int f(const p *x) { return x->a; }
__attribute__((visibility("default"))) int g(void) { return 1; }
EOF
  cat >"$work/middle.c" <<'EOF'
typedef struct p { unsigned struct_size; int a; int z; int b; } p;
__attribute__((visibility("default"))) int f(const p *x) { return x->a; }
__attribute__((visibility("default"))) int g(void) { return 1; }
EOF
  cat >"$work/signature.c" <<'EOF'
typedef struct p { unsigned struct_size; int a; int b; } p;
__attribute__((visibility("default"))) int f(const p *x, int y) { return x->a + y; }
__attribute__((visibility("default"))) int g(void) { return 1; }
EOF
  cat >"$work/removed.c" <<'EOF'
typedef struct p { unsigned struct_size; int a; int b; } p;
__attribute__((visibility("default"))) int f(const p *x) { return x->a; }
EOF
  for v in v1 tail reorder middle signature removed; do
    "$cc" -g -shared -fPIC -fvisibility=hidden "$work/$v.c" -o "$work/$v.so" || return 1
    dump "$work/$v.so" "$work/$v.abi" || return 1
  done
  if ! compare "$work/v1.abi" "$work/tail.abi" "$work/r"; then
    echo "self-test: a tail addition was refused"
    cat "$work/r"
    return 1
  fi
  for v in reorder middle signature removed; do
    if compare "$work/v1.abi" "$work/$v.abi" "$work/r"; then
      echo "self-test: '$v' was accepted"
      cat "$work/r"
      return 1
    fi
  done
}

if [[ "$mode" == --update ]]; then
  mkdir -p "$(dirname "$baseline")"
  dump "$lib" "$baseline" --headers-dir "$headers" || exit 1
  echo "check_abi: baseline written to ${baseline#"$root"/}"
  exit 0
fi

self_test || { echo "check_abi: the checker itself is broken" >&2; exit 1; }

[[ -f "$baseline" ]] || { echo "check_abi: no baseline at $baseline (run with --update)" >&2; exit 1; }
if ! readelf -S --wide "$lib" | grep -q '\.debug_info'; then
  echo "check_abi: $lib has no debug info, so its types cannot be compared; build it with -g" \
       "(CMAKE_BUILD_TYPE RelWithDebInfo or Debug)" >&2
  exit 1
fi
dump "$lib" "$work/current.abi" --headers-dir "$headers" || { echo "check_abi: abidw failed" >&2; exit 1; }
if compare "$baseline" "$work/current.abi" "$work/report"; then
  if [[ -s "$work/report" ]]; then
    echo "check_abi: compatible additions to the ABI (update the baseline when releasing them):"
    cat "$work/report"
  else
    echo "check_abi: ABI identical to the baseline"
  fi
  exit 0
fi
echo "check_abi: INCOMPATIBLE change to the C ABI of $lib against ${baseline#"$root"/}:" >&2
cat "$work/report" >&2
exit 1
