package io.skydeck.network;

import io.quarkus.scheduler.Scheduled;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.network.ipam.Owner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Gives back private addresses held for nobody. A server's address is released after the server's
 * delete has committed, and a replica that dies in that gap leaves it held by a deleted server; a
 * replica that dies (or stops) with addresses reserved for its hosts leaves those reserved. Such an
 * address is only ever held too long, never handed out twice, and this sweep frees it once it is
 * older than the grace (so a create still in flight is never touched; a reservation only once it
 * is twice as old as any replica would still use it). Any replica may run it: a release of an
 * address already released does nothing.
 */
@ApplicationScoped
public class AddressSweep {

    private static final Logger LOG = Logger.getLogger(AddressSweep.class);

    /** Longer than any create transaction takes between the allocation and its commit. */
    static final Duration GRACE = Duration.ofMinutes(10);

    @Inject
    EntityManager em;

    @Inject
    Ipam ipam;

    @Scheduled(identity = "ipam-address-sweep", every = "${skydeck.ipam.sweep-interval:5m}", delayed = "60s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        sweep(GRACE);
        int swept = ipam.sweepReservations();
        if (swept > 0) {
            LOG.infof("released %d reserved private address(es) no create used (their replica stopped or let them age)", swept);
        }
    }

    /** Releases the abandoned server addresses allocated more than {@code grace} ago; answers how many. */
    public int sweep(Duration grace) {
        List<Object[]> abandoned = abandoned(grace);
        int released = 0;
        for (Object[] row : abandoned) {
            if (ipam.release((UUID) row[0], IpAddress.parse((String) row[1]), new Owner("server", (String) row[2]))) {
                released++;
            }
        }
        if (released > 0) {
            LOG.infof("released %d private address(es) held by servers that are gone", released);
        }
        return released;
    }

    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    List<Object[]> abandoned(Duration grace) {
        return em.createNativeQuery("""
                SELECT a.network_id, host(a.address), a.owner_id FROM ipam_address a
                WHERE a.released_at IS NULL AND a.owner_type = 'server'
                  AND a.allocated_at < now() - make_interval(secs => ?1)
                  AND NOT EXISTS (SELECT 1 FROM server s WHERE s.id::text = a.owner_id AND s.status <> 'DELETED')
                LIMIT 10000""").setParameter(1, (double) grace.toSeconds()).getResultList();
    }
}
