#!/bin/bash
# Run in a container of the image by image-test.sh: what GoNB does for each
# cell (goimports -w, go get, go build, in a temporary module that
# notebooks/gonb-module.sh points at the lesson), with the kernelspec's
# environment, and every HTTP(S) request sent to a listener that counts them.
#
# It fails when a cell's tools ask the network anything: on a class's network
# each request that goes nowhere cost about 10 s per cell (goimports asked the
# module proxy about every module of the build list that the image does not
# hold), so the image sets GOPROXY=off. It also fails when the kernelspec does
# not strip the cell's program (GOFLAGS -ldflags=-s -w, 40 % less linking).
set -euo pipefail
log=$(mktemp -u)
python3 - "$log" <<'EOF' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 3128))
s.listen()
open(sys.argv[1], "w").close()  # ready
while True:
    c, _ = s.accept()
    request = c.recv(200).split(b"\r\n")[0].decode(errors="replace")
    with open(sys.argv[1], "a") as f:
        f.write(request + "\n")
    c.close()
EOF
listener=$!
trap 'kill $listener 2>/dev/null' EXIT
for _ in $(seq 100); do [[ -e $log ]] && break; sleep 0.1; done
[[ -e $log ]] || { echo "the counting listener did not start"; exit 1; }
export HTTPS_PROXY=http://127.0.0.1:3128 HTTP_PROXY=http://127.0.0.1:3128

# The kernelspec's environment, as Jupyter gives it to GoNB.
spec=$(jupyter kernelspec list --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["kernelspecs"]["gonb"]["resource_dir"])')/kernel.json
eval "$(python3 -c 'import json, shlex, sys
for k, v in json.load(open(sys.argv[1]))["env"].items(): print(f"export {k}={shlex.quote(v)}")' "$spec")"

cd "$(mktemp -d)"
go mod init gonb_check >/dev/null 2>&1
GONB_DIR=$LESSON/notebooks sh "$LESSON/notebooks/gonb-module.sh"
# As GoNB composes a cell: the notebook's imports, flag.Parse() left to goimports.
cat >main.go <<'EOF'
package main

import (
	"fmt"

	"github.com/learn-gomlx/advanced-cnn/lib/cell"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/lesson"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

var check = cell.Check

func main() {
	flag.Parse()
	_, err := lesson.Quick()
	check(err)
	fmt.Println(cost.Thousands(cost.ConvMults(192, 16, 1, 28, 28)))
}
EOF
goimports -w main.go
go get
go build -o cell .
./cell >/dev/null
requests=$(wc -l <"$log")
if ((requests > 0)); then
	echo "a cell's goimports, go get and go build made $requests request(s), GOPROXY=$(go env GOPROXY):"
	head -5 "$log"
	exit 1
fi
go version -m cell | grep -q -- '-ldflags="-s -w"' || { echo "the cell's program was linked without -s -w (GOFLAGS=${GOFLAGS:-})"; exit 1; }
echo "a cell's goimports, go get and go build ask the network nothing (GOPROXY=$(go env GOPROXY)); its program is linked with -s -w"
