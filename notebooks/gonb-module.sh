#!/bin/sh
# Points GoNB's temporary Go module at this repository, so that notebook cells
# can import its lib/ packages. Each notebook's set-up cell runs it, in GoNB's
# temporary folder:
#
#   !*sh "$GONB_DIR/gonb-module.sh"
#
# It requires the repository's module, replaced by its folder, and copies the
# repository's go.sum, so that the `go get` GoNB runs for the import cell finds
# every checksum locally: without it, go asks the checksum database, and the
# cell fails offline or behind a firewall.
set -eu
repo=$(cd "$GONB_DIR" && go list -m -f '{{.Dir}}')
module=$(cd "$GONB_DIR" && go list -m)
go mod edit -require="$module@v0.0.0-00010101000000-000000000000" -replace="$module=$repo"
touch go.sum
sort -u -o go.sum go.sum "$repo/go.sum"
