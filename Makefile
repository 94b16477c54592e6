# Two entry points (see README):
#   make challenges   build everything and run the challenge suite on our harness
#   make test         the test suite (what CI runs)
GO      ?= go
NODES   := echo unique-ids broadcast g-counter kafka txn lin-kv-client raft g-set pn-counter txn-list-append
# Node programs that exist in this checkout (each lands with its issue).
PRESENT := $(foreach d,$(NODES),$(if $(wildcard $(d)/main.go),$(d)))

.PHONY: all build test vet fmt-check challenges clean

all: build

build:
	@mkdir -p bin
	$(GO) build -o bin/ ./harness $(addprefix ./,$(PRESENT))

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	$(GO) test -race -count=1 -timeout 12m ./...

challenges: build
	scripts/challenges.sh

clean:
	rm -rf bin
