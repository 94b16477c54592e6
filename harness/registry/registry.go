// Package registry names every workload the harness can run, by
// Maelstrom's workload names (core.clj `workloads`). Adding a workload is
// one line here.
package registry

import (
	"sort"

	"glomers/harness/workload"
	"glomers/harness/workload/broadcast"
	"glomers/harness/workload/counter"
	"glomers/harness/workload/echo"
	"glomers/harness/workload/gset"
	"glomers/harness/workload/kafka"
	"glomers/harness/workload/linkv"
	"glomers/harness/workload/listappend"
	"glomers/harness/workload/txnrw"
	"glomers/harness/workload/uniqueids"
)

var factories = map[string]workload.Factory{
	"broadcast":       broadcast.New,
	"echo":            echo.New,
	"g-counter":       counter.NewGCounter,
	"g-set":           gset.New,
	"kafka":           kafka.New,
	"lin-kv":          linkv.NewLinKV,
	"pn-counter":      counter.NewPNCounter,
	"txn-list-append": listappend.New,
	"txn-rw-register": txnrw.New,
	"unique-ids":      uniqueids.New,
}

// Get returns the named workload's factory.
func Get(name string) (workload.Factory, bool) {
	f, ok := factories[name]
	return f, ok
}

// Names lists the workloads, sorted.
func Names() []string {
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
