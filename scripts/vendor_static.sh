#!/usr/bin/env bash
# Vendor the design system (USWDS) and the accessibility checker (axe-core) from the npm
# registry, checked against pinned SHA-256 sums, so that no page loads anything from a
# CDN at run time and a rerun reproduces the committed files exactly.
#   scripts/vendor_static.sh          (or: make vendor)
set -euo pipefail

USWDS_VERSION=3.14.0
USWDS_SHA256=da91c65e6fc736fa397f0daf6ca2c2c95711506d85c7ad2537a4570725401e1c
AXE_VERSION=4.14.1
AXE_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745

ROOT=$(cd "$(dirname "$0")/.." && pwd)
USWDS_DEST=$ROOT/enforcement/static/vendor/uswds
AXE_DEST=$ROOT/tests/browser/vendor/axe-core
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME@VERSION SHA256 -> extracted under $WORK/<sha>/package
    local spec=$1 sum=$2
    (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
    local tgz
    tgz=$(ls -t "$WORK"/*.tgz | head -n1)
    echo "$sum  $tgz" | sha256sum --check --quiet
    mkdir -p "$WORK/$sum" && tar xzf "$tgz" -C "$WORK/$sum" && rm "$tgz"
}

fetch "@uswds/uswds@$USWDS_VERSION" "$USWDS_SHA256"
DIST=$WORK/$USWDS_SHA256/package/dist
rm -rf "$USWDS_DEST" && mkdir -p "$USWDS_DEST"/{css,js}
# Everything the stylesheet and scripts use, plus favicons and the icon sprite. Left
# out: the Sass sources, web components and the raw Material icon set (8.4 MB), which
# is what usa-icons/ and sprite.svg were built from; no page refers to it.
cp "$DIST"/css/uswds.min.css "$DIST"/css/uswds.min.css.map "$USWDS_DEST/css/"
cp "$DIST"/js/uswds.min.js "$DIST"/js/uswds.min.js.map "$DIST"/js/uswds-init.min.js \
   "$DIST"/js/uswds-init.min.js.map "$USWDS_DEST/js/"
cp -r "$DIST/fonts" "$USWDS_DEST/fonts"
mkdir -p "$USWDS_DEST/img"
(cd "$DIST/img" && find . -type f ! -path './material-icons/*' \
    ! -path './material-icons-deprecated/*' -exec cp --parents {} "$USWDS_DEST/img/" \;)
cp "$WORK/$USWDS_SHA256/package/LICENSE.md" "$USWDS_DEST/"
echo "USWDS $USWDS_VERSION (@uswds/uswds from npm, sha256 $USWDS_SHA256), dist files; see LICENSE.md" \
    >"$USWDS_DEST/VERSION"

# Every url() in the stylesheet must resolve to a vendored file.
missing=0
for ref in $(grep -o 'url([^)]*)' "$USWDS_DEST/css/uswds.min.css" | sed -E 's/url\(["'\'']?//; s/["'\'']?\)$//; s/[?#].*//' | grep -v '^data:' | sort -u); do
    if [ ! -f "$USWDS_DEST/css/$ref" ]; then echo "missing: $ref"; missing=1; fi
done
[ "$missing" = 0 ] || { echo "the stylesheet refers to files that were not vendored"; exit 1; }

fetch "axe-core@$AXE_VERSION" "$AXE_SHA256"
rm -rf "$AXE_DEST" && mkdir -p "$AXE_DEST"
cp "$WORK/$AXE_SHA256/package/axe.min.js" "$WORK/$AXE_SHA256/package/LICENSE" "$AXE_DEST/"
echo "axe-core $AXE_VERSION (npm, sha256 $AXE_SHA256); MPL-2.0, see LICENSE" >"$AXE_DEST/VERSION"
echo "vendored USWDS $USWDS_VERSION and axe-core $AXE_VERSION"
