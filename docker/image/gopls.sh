#!/bin/sh
# The image's gopls: the real one (/usr/local/libexec/advanced-cnn/gopls) unless
# ADVCNN_GOPLS=off. GoNB starts `gopls -listen` in every kernel, for Tab
# completion and Shift+Tab help only, and it stays for the kernel's life: about
# 150-165 MiB per student (docs/memory.md). A class hub turns it off
# (docker/hub/class_spawner.py, ADVCNN_HUB_GOPLS); GoNB then logs that gopls
# stopped, and those two keys do nothing in a cell. Cells still compile and
# report their errors as before.
if [ "${ADVCNN_GOPLS:-on}" = off ]; then
	echo "gopls: off here (ADVCNN_GOPLS=off): no Tab completion or Shift+Tab help in the notebooks" >&2
	exit 1
fi
exec /usr/local/libexec/advanced-cnn/gopls "$@"
