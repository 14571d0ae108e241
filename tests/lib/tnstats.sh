# shellcheck shell=bash
# tnstats.sh - reading a host's datapath counters (tn_stats) in the e2e
# tests. Sourced after topo.sh (uses T_TOP, TOPO_DIR, TOPO_BPFFS, die).

# stat_index NAME...: the enum tn_stat values of NAMEs, from the ABI header.
stat_index() {
	local prog=$TOPO_DIR/abi_stats names=$* n
	{
		printf '#include <linux/types.h>\n#include <stdio.h>\n#include "tenet_abi.h"\n'
		printf 'int main(void)\n{\n'
		for n in $names; do printf '\tprintf("%%d\\n", %s);\n' "$n"; done
		printf '\treturn 0;\n}\n'
	} | cc -x c -I"$T_TOP/bpf/include" -o "$prog" - || die "cannot compile the ABI probe"
	"$prog"
}

# stat HOST INDEX: tn_stats[INDEX] of HOST, summed over CPUs (bpftool prints
# each CPU's value as a number, or as little-endian hex bytes without BTF).
stat() {
	bpftool -j map lookup pinned "$TOPO_BPFFS/tenet/$1/tn_stats" key $(($2 & 255)) \
		$((($2 >> 8) & 255)) 0 0 | python3 -c '
import json, sys
v = [c["value"] for c in json.load(sys.stdin)["values"]]
print(sum(x if isinstance(x, int) else int.from_bytes(bytes(int(b, 16) for b in x), "little")
          for x in v))'
}
