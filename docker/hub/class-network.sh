#!/usr/bin/env bash
# The class's network and its fence, on the hub's host (as root):
#
#   docker/hub/class-network.sh up      make the network and its firewall rules (again: idempotent)
#   docker/hub/class-network.sh check   exit 0 only when every rule is in place
#   docker/hub/class-network.sh down    remove the rules and the network
#
# [z2jh] singleuser.networkPolicy, on one host: a student's server may call the
# hub's API (egress to the hub on its API port) and the internet
# (egressAllowRules.nonPrivateIPs), and nothing else: not another student's
# server, not the hub's proxy or any other listener on this host, no private
# address, and never the cloud's metadata service, 169.254.169.254
# (singleuser.cloudMetadata.blockWithIptables). The hub's API port answers
# only the class network and this host itself.
#
# The rules live in iptables' mangle table, whose chains run before the filter
# table, where podman (CNI) and Docker put their own rules that accept the
# containers' traffic; a DROP there is final. Traffic between two containers
# on the one bridge passes iptables through br_netfilter
# (net.bridge.bridge-nf-call-iptables=1, which Docker also sets). IPv4 only:
# the network has no IPv6 addresses.
#
# Settings (the same names as docker/hub/class_spawner.py's):
#   ENGINE                 docker or podman (default: docker when its daemon answers, otherwise podman)
#   ADVCNN_HUB_NETWORK     the network's name (advcnn-class)
#   ADVCNN_HUB_SUBNET      its addresses (10.89.200.0/24; the gateway, this host, is the first)
#   ADVCNN_HUB_API_PORT    the hub's API port (8081)
set -euo pipefail

NETWORK=${ADVCNN_HUB_NETWORK:-advcnn-class}
SUBNET=${ADVCNN_HUB_SUBNET:-10.89.200.0/24}
API_PORT=${ADVCNN_HUB_API_PORT:-8081}
ENGINE=${ENGINE:-$(docker info >/dev/null 2>&1 && echo docker || echo podman)}
METADATA=169.254.169.254/32
PRIVATE=(10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16)
IN=ADVCNN-CLASS-IN    # from a student's server to this host
OUT=ADVCNN-CLASS-OUT  # from a student's server through this host
TO=ADVCNN-CLASS-TO    # to a student's server, forwarded from elsewhere
API=ADVCNN-HUB-API    # to the hub's API port

ipt() { iptables -w -t mangle "$@"; }
# The jumps from the built-in chains, with their matches.
HOOKS=("INPUT -s $SUBNET -j $IN" "INPUT -p tcp --dport $API_PORT -j $API"
	"FORWARD -s $SUBNET -j $OUT" "FORWARD -d $SUBNET -j $TO")

rules() {
	for h in "${HOOKS[@]}"; do
		# shellcheck disable=SC2086
		while ipt -D $h 2>/dev/null; do :; done
	done
	for chain in $IN $OUT $TO $API; do
		ipt -N "$chain" 2>/dev/null || ipt -F "$chain"
	done
	# From a student's server to this host: replies to the connections the hub
	# and the proxy open, and the hub's API; nothing else (the proxy, its API,
	# any listener of this host).
	ipt -A $IN -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
	ipt -A $IN -p tcp --dport "$API_PORT" -m comment --comment "advcnn: the hub API, all a student's server needs" -j RETURN
	ipt -A $IN -p udp --dport 53 -m comment --comment "advcnn: DNS, when this host is the resolver (z2jh dnsPortsPrivateIPs)" -j RETURN
	ipt -A $IN -m comment --comment "advcnn: no other port of this host" -j DROP
	# The hub's API: the class network and this host only.
	ipt -A $API -s "$SUBNET" -j RETURN
	ipt -A $API -i lo -j RETURN
	ipt -A $API -m comment --comment "advcnn: the hub API answers the class and this host only" -j DROP
	# From a student's server through this host.
	ipt -A $OUT -d "$METADATA" -m comment --comment "advcnn: cloud metadata (z2jh cloudMetadata.blockWithIptables)" -j DROP
	ipt -A $OUT -d "$SUBNET" -m comment --comment "advcnn: no student reaches another" -j DROP
	# DNS to the host's resolver, wherever it is ([z2jh] egressAllowRules.dnsPortsPrivateIPs):
	# without it every name lookup (go list, goimports in each cell) waits for its timeout.
	ipt -A $OUT -p udp --dport 53 -m comment --comment "advcnn: DNS (z2jh dnsPortsPrivateIPs)" -j RETURN
	ipt -A $OUT -p tcp --dport 53 -m comment --comment "advcnn: DNS (z2jh dnsPortsPrivateIPs)" -j RETURN
	for net in "${PRIVATE[@]}"; do
		ipt -A $OUT -d "$net" -m comment --comment "advcnn: no private address (z2jh privateIPs: false)" -j DROP
	done
	# To a student's server from anywhere but this host (another network, the LAN).
	ipt -A $TO -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
	ipt -A $TO -m comment --comment "advcnn: only this host's hub and proxy open connections to a server" -j DROP
	for h in "${HOOKS[@]}"; do
		# shellcheck disable=SC2086
		ipt -I $h
	done
}

check() {
	local missing=0
	for h in "${HOOKS[@]}"; do
		# shellcheck disable=SC2086
		ipt -C $h 2>/dev/null || { echo "missing: iptables -t mangle -A $h"; missing=1; }
	done
	ipt -C $OUT -d "$METADATA" -m comment --comment "advcnn: cloud metadata (z2jh cloudMetadata.blockWithIptables)" -j DROP 2>/dev/null \
		|| { echo "missing: the rule that drops $METADATA"; missing=1; }
	ipt -C $OUT -d "$SUBNET" -m comment --comment "advcnn: no student reaches another" -j DROP 2>/dev/null \
		|| { echo "missing: the rule between students"; missing=1; }
	[[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) == 1 ]] \
		|| { echo "net.bridge.bridge-nf-call-iptables is not 1: traffic between students on the bridge skips iptables"; missing=1; }
	return $missing
}

case ${1:-} in
up)
	if [[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) != 1 ]]; then
		echo "class-network.sh: setting net.bridge.bridge-nf-call-iptables=1 (br_netfilter), so that the bridge's traffic passes iptables"
		modprobe br_netfilter 2>/dev/null || true
		sysctl -q -w net.bridge.bridge-nf-call-iptables=1
	fi
	$ENGINE network exists "$NETWORK" 2>/dev/null || $ENGINE network inspect "$NETWORK" >/dev/null 2>&1 \
		|| $ENGINE network create --subnet "$SUBNET" "$NETWORK" >/dev/null
	rules
	check
	;;
check)
	check
	;;
down)
	for h in "${HOOKS[@]}"; do
		# shellcheck disable=SC2086
		while ipt -D $h 2>/dev/null; do :; done
	done
	for chain in $IN $OUT $TO $API; do
		ipt -F "$chain" 2>/dev/null && ipt -X "$chain"
	done
	$ENGINE network rm --force "$NETWORK" >/dev/null 2>&1 || true
	;;
*)
	sed -n '2,6p' "$0" >&2
	exit 2
	;;
esac
