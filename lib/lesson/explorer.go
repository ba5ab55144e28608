package lesson

import (
	"fmt"
	"time"
)

// EnvExplorerIdle names the environment variable that sets, in seconds, how
// long notebook 01's bottleneck explorer waits for a move of its slider
// before it ends (default 300). A browser test that runs the notebook in
// JupyterLab sets it low, so that the cell ends soon and the next one runs.
const EnvExplorerIdle = "ADVCNN_EXPLORER_IDLE"

// ExplorerIdle is how long the bottleneck explorer waits for its slider:
// 5 minutes, or ADVCNN_EXPLORER_IDLE seconds.
func ExplorerIdle() (time.Duration, error) {
	s, err := EnvInt(EnvExplorerIdle, 300)
	if err == nil && s == 0 {
		err = fmt.Errorf("%s must be at least 1 second", EnvExplorerIdle)
	}
	return time.Duration(s) * time.Second, err
}
