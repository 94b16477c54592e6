// Package elle holds what Jepsen's Elle (github.com/jepsen-io/elle) shares
// between its transactional analyses, for the txn-rw-register and
// txn-list-append checkers: the write/read transaction generator
// (elle/txn.clj wr-txns), the dependency graph with its relation bits
// (elle/graph.clj, BitRels), the realtime and process orders
// (elle/core.clj), the cycle search and cycle classification (elle/txn.clj
// cycles, cycle-explainer), the consistency-model lattice
// (elle/consistency_model.clj), the result map with anomaly-types, not and
// also-not (elle/txn.clj result-map), and plain-words explanations of each
// cycle step as Elle's explainers render them.
//
// Each workload derives its own ww, wr and rw edges (that is where
// registers and lists differ); everything after the graph is here.
package elle
