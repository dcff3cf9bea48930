package io.skydeck.platform.idempotency;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code skydeck.idempotency.*}: how long stored responses are kept, and when they are purged. */
@ConfigMapping(prefix = "skydeck.idempotency")
public interface IdempotencyConfig {

    /** A key older than this may name a new request. */
    @WithDefault("P1D")
    Duration retention();

    /** When the purge runs (Quartz cron, UTC); {@code off} disables it. */
    @WithDefault("0 17 * * * ?")
    String purgeCron();
}
