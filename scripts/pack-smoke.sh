#!/usr/bin/env bash
# The package as a user gets it: build, `npm pack`, install the tarball into an empty folder from
# npm's cache only (--offline), then run the CLI there with the network cut off (`unshare -n` where
# the kernel allows it, else FIDKIT_OFFLINE=1 alone). Prints the sizes and timings. It is not part
# of `npm test` (an install takes longer than a test should); test/package.test.ts checks the file
# list on every run.
#
#   bash scripts/pack-smoke.sh            # keeps nothing; KEEP=1 keeps the temporary folder
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fidkit-pack-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f s", b - a }'; }
offline() { if unshare -n true 2>/dev/null; then unshare -n "$@"; else "$@"; fi; }

cd "$root"
npm run build --silent
tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
echo "package: $tgz, $(du -h "$work/$tgz" | cut -f1) packed"

# npm's cache must hold the dependencies once; this is the only step that may use the registry.
mkdir "$work/warm" && cd "$work/warm" && echo '{ "private": true }' > package.json
npm install --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error "$work/$tgz" > /dev/null

mkdir "$work/app" && cd "$work/app" && echo '{ "private": true }' > package.json
t=$(seconds)
npm install --offline --ignore-scripts --no-audit --no-fund --loglevel=error "$work/$tgz" > /dev/null
echo "npm install --offline of the tarball into an empty folder: $(since "$t")"
echo "installed: fidkit $(du -sh node_modules/fidkit | cut -f1), node_modules $(du -sh node_modules | cut -f1)"

network=$(unshare -n true 2>/dev/null && echo "no network (unshare -n)" || echo "network not cut (unshare -n not allowed here): FIDKIT_OFFLINE=1 only")
export FIDKIT_CACHE="$work/cache" FIDKIT_OFFLINE=1
t=$(seconds)
offline npx --offline fidkit sweep -n 500 -q
echo "npx fidkit sweep -n 500 in $work/app, $network: $(since "$t")"
t=$(seconds)
offline npx --offline fidkit verify --only frechet,is,kid,prdc -q > "$work/verify.txt"
echo "npx fidkit verify --only frechet,is,kid,prdc: $(grep -c ' pass$' "$work/verify.txt") checks pass, $(grep -c ' fail$' "$work/verify.txt" || true) fail, $(since "$t")"
offline node --input-type=module -e "import { VERSION, score } from 'fidkit'; const r = await score(['gen:mnist-gan?n=500', 'mnist:test?n=500'], { extractor: 'mnist', metrics: ['fid'] }); console.log('import from fidkit: version', VERSION, 'FID', r.metrics.fid.value.toFixed(3));"
