package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Which replica drives a release: a row per release with an owner, a fencing token and an
 * expiry, all in the database's own clock (replicas' clocks may differ). A replica claims a free
 * or expired lease with one conditional UPDATE that also bumps the token, so two replicas can
 * never both hold it; the driver renews it while it works, and every write of progress names the
 * token ({@link ReleaseProgress#write}): once another replica has claimed the lease, the old
 * owner's writes find a different token and change nothing.
 */
@ApplicationScoped
public class ReleaseLease {

    @Inject
    EntityManager em;

    /** Claims the lease for {@code replica} if it is free or expired; the new fencing token, or empty. */
    public Optional<Long> claim(UUID releaseId, String replica, Duration ttl) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Number> token = em.createNativeQuery("""
                    UPDATE release_lease SET owner = ?1, token = token + 1,
                           expires_at = clock_timestamp() + make_interval(secs => ?2)
                     WHERE release_id = ?3 AND (owner IS NULL OR expires_at < clock_timestamp())
                    RETURNING token""")
                    .setParameter(1, replica).setParameter(2, ttl.toMillis() / 1000.0).setParameter(3, releaseId).getResultList();
            return token.isEmpty() ? Optional.<Long>empty() : Optional.of(token.get(0).longValue());
        });
    }

    /** Pushes the expiry on; false once another replica holds the lease (this one must stop). */
    public boolean renew(UUID releaseId, long token, Duration ttl) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                        UPDATE release_lease SET expires_at = clock_timestamp() + make_interval(secs => ?1)
                         WHERE release_id = ?2 AND token = ?3""")
                .setParameter(1, ttl.toMillis() / 1000.0).setParameter(2, releaseId).setParameter(3, token).executeUpdate() == 1);
    }

    /**
     * Lets go when nothing is left to run — checked against the stored release in the same
     * statement, so an action that has just given out new steps keeps the lease with this driver
     * (which then reloads) rather than leaving them to no one until the next scan. True if let go.
     */
    public boolean releaseIfIdle(UUID releaseId, long token, long version) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                        UPDATE release_lease l SET owner = NULL, expires_at = clock_timestamp()
                          FROM app_release r
                         WHERE l.release_id = ?1 AND l.token = ?2 AND r.id = l.release_id AND r.version = ?3""")
                .setParameter(1, releaseId).setParameter(2, token).setParameter(3, version).executeUpdate() == 1);
    }

    /** Releases that have steps to run and no live driver: what a replica's scan offers to claim. */
    @SuppressWarnings("unchecked")
    public List<UUID> unattended(int limit) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                        SELECT r.id FROM app_release r JOIN release_lease l ON l.release_id = r.id
                         WHERE r.running_steps > 0 AND (l.owner IS NULL OR l.expires_at < clock_timestamp())
                         ORDER BY r.updated_at LIMIT ?1""", UUID.class)
                .setParameter(1, limit).getResultList());
    }

    /** A new release's lease: free, token 0. */
    public void create(UUID releaseId) {
        em.createNativeQuery("INSERT INTO release_lease (release_id, owner, token, expires_at) VALUES (?1, NULL, 0, clock_timestamp())")
                .setParameter(1, releaseId).executeUpdate();
    }
}
