package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestModeFromArgumentEnvironmentOrDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, ModeCAS},
		{[]string{"leader"}, nil, ModeLeader},
		{[]string{"--mode=leader"}, nil, ModeLeader},
		{nil, map[string]string{ModeEnv: "LEADER"}, ModeLeader},
		{[]string{"cas"}, map[string]string{ModeEnv: "leader"}, ModeCAS},
	} {
		cfg, err := ParseConfig(tc.args, env(tc.env))
		require.NoError(t, err, "%v %v", tc.args, tc.env)
		assert.Equal(t, tc.want, cfg.Mode, "%v %v", tc.args, tc.env)
	}
}

func TestTunables(t *testing.T) {
	cfg, err := ParseConfig([]string{"leader", "interval=5ms", "heartbeat=1s", "retry=300ms", "leader-timeout=2s", "leader=n3", "poll-max=7", "poll-total=9"}, env(nil))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Millisecond, cfg.Leader.Interval)
	assert.Equal(t, 5*time.Millisecond, cfg.CAS.Interval)
	assert.Equal(t, time.Second, cfg.Leader.Heartbeat)
	assert.Equal(t, 300*time.Millisecond, cfg.CAS.Retry)
	assert.Equal(t, 2*time.Second, cfg.Leader.LeaderTimeout)
	assert.Equal(t, "n3", cfg.Leader.Leader)
	assert.Equal(t, 7, cfg.PollMax)
	assert.Equal(t, 9, cfg.PollTotal)
}

func TestBadSettingsAreRejected(t *testing.T) {
	for _, args := range [][]string{{"raft"}, {"interval=soon"}, {"colour=blue"}, {"poll-max=0"}, {"poll-total=-2"}, {"interval=-1s"}} {
		_, err := ParseConfig(args, env(nil))
		assert.Error(t, err, "%v", args)
	}
}
