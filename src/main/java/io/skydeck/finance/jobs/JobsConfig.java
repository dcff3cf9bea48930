package io.skydeck.finance.jobs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Schedules of the finance jobs ({@code skydeck.jobs.*}); Quartz cron expressions in UTC, "off"
 * stops a job. The scheduler reads the cron settings as {@code ${skydeck.jobs.….cron}}; they are
 * mapped here so that they are known, documented settings.
 */
@ConfigMapping(prefix = "skydeck.jobs")
public interface JobsConfig {

    MeteringClose meteringClose();

    Schedule invoicing();

    Schedule reconciliation();

    interface Schedule {
        String cron();
    }

    interface MeteringClose extends Schedule {
        /** For this long after a month ends, the hourly close also recomputes that month (late events). */
        @WithDefault("P3D")
        Duration lateEventsGrace();
    }
}
