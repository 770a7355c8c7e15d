#!/usr/bin/env bash
# Fails when a library module reaches a module it must not: dependencies point one way
# (components -> store -> api; realtime, polling and persist -> the store's ports; the farm only
# wires), so no module cycle can form. Reads `crate::<module>` paths in code (comments and test
# modules are not read). Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# module: the modules it may use (besides itself, `protocol`, the wire types, and `sort` and
# `effect`, leaf helpers every module may use).
allowed() {
  case "$1" in
    entity | cache | sort | effect) echo "" ;;
    query) echo "entity" ;;
    api) echo "entity query" ;;
    change) echo "entity query" ;;
    store) echo "api cache change entity query" ;;
    persist) echo "api cache change entity query store" ;;
    farm) echo "api cache change entity query store persist" ;;
    hooks) echo "api entity farm query store" ;;
    hydration) echo "api entity farm hooks query store" ;;
    realtime) echo "api cache change entity farm query store" ;;
    tabs) echo "farm persist query realtime store" ;;
    session) echo "farm persist realtime query store tabs" ;;
    polling) echo "api cache change entity farm hooks query store" ;;
    components) echo "api cache change entity farm hooks persist query realtime store" ;;
    *) echo "?" ;;
  esac
}

status=0
for path in src/*.rs; do
  module=$(basename "$path" .rs)
  [ "$module" = lib ] && continue
  ok=$(allowed "$module")
  if [ "$ok" = "?" ]; then
    echo "layering: $path is a module this check does not know; add it to scripts/check-layering.sh" >&2
    status=1
    continue
  fi
  files=("$path")
  [ -d "src/$module" ] && while IFS= read -r f; do files+=("$f"); done < <(find "src/$module" -name '*.rs' ! -name tests.rs)
  for file in "${files[@]}"; do
    # Code lines only, up to an inline `#[cfg(test)] mod tests`.
    used=$(awk '/^#\[cfg\(test\)\]/ { test = 1; next } test && /^mod tests/ { exit } { test = 0 }
                /^[[:space:]]*\/\// { next } { print }' "$file" \
      | grep -oE 'crate::[a-z_]+' | sed 's/crate:://' | sort -u || true)
    for target in $used; do
      [ "$target" = "$module" ] || [ "$target" = protocol ] || [ "$target" = sort ] || [ "$target" = effect ] && continue
      if ! grep -qw -- "$target" <<<"$ok"; then
        echo "layering: $file ($module) uses crate::$target; $module may use only: ${ok:-nothing}" >&2
        status=1
      fi
    done
  done
done
[ "$status" -eq 0 ] && echo "layering: ok (no module reaches against the direction)"
exit "$status"
