// A kube-apiserver binary built from the Go module proxy, for tests on machines without
// Docker. The same code as the upstream release; see build.sh.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	os.Exit(cli.Run(command))
}
