package io.skydeck.platform.idempotency;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Forgets stored responses once clients can no longer be retrying them, as Stripe does after
 * a day: a key older than the retention may be used again for a new request.
 */
@ApplicationScoped
public class IdempotencyRetention {

    private static final Logger LOG = Logger.getLogger(IdempotencyRetention.class);

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    @Inject
    IdempotencyConfig config;

    @Scheduled(identity = "idempotency-retention", cron = "${skydeck.idempotency.purge-cron:0 17 * * * ?}", timeZone = "UTC")
    void hourly() {
        int forgotten = purge();
        if (forgotten > 0) {
            LOG.infof("forgot %d idempotency keys older than %s", forgotten, config.retention());
        }
    }

    /** @return how many stored responses were forgotten */
    @Transactional
    public int purge() {
        return em.createNativeQuery("DELETE FROM idempotency_record WHERE created_at < ?1")
                .setParameter(1, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).minus(config.retention()))
                .executeUpdate();
    }
}
