package io.skydeck.network.ipam;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.store.IpamStore;
import io.skydeck.platform.appends.Appends;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.hibernate.Session;

/**
 * The service's local IPAM: {@link IpamStore} on the service's data source, configured by
 * {@link IpamConfig}. Every method but {@link #bind} runs outside the caller's transaction
 * ({@code NOT_SUPPORTED} suspends it): the store commits blocks, reservations and addresses itself,
 * on its own connections. {@link #bind} is the one step inside it: a taken address becomes the
 * owner's exactly when the owner's transaction commits. Calls block: use them from worker threads,
 * not the event loop.
 */
@ApplicationScoped
public class Ipam {

    /** A pool of its own (application.properties says why): the callers' transactions hold the main pool's connections. */
    @Inject
    @DataSource("ipam")
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    /** The callers' transactions: a reservation is bound on their connection. */
    @Inject
    EntityManager em;

    @Inject
    Appends appends;

    @Inject
    IpamConfig config;

    private IpamStore store;

    @PostConstruct
    void start() {
        store = new IpamStore(dataSource, clock, new IpamStore.Settings(config.quarantine(), config.commit().committers(),
                config.commit().maxBatch(), config.commit().maxAttempts(), config.ready(), config.readyFor()));
    }

    @PreDestroy
    void stop() {
        store.close();
    }

    /** Lays out a network's IPv4 range over its zones (in the region's order), in the configured mode; idempotent. */
    @Transactional(TxType.NOT_SUPPORTED)
    public VpcLayout register(UUID network, Cidr vpc, List<String> zones) {
        return store.register(network, vpc, zones, config.strict());
    }

    /** As {@link #register(UUID, Cidr, List)}, saying whether borrowing from another host's block is refused. */
    @Transactional(TxType.NOT_SUPPORTED)
    public VpcLayout register(UUID network, Cidr vpc, List<String> zones, boolean strict) {
        return store.register(network, vpc, zones, strict);
    }

    /** An address for the owner on {@code host} in {@code zone}, committed when this returns. */
    @Transactional(TxType.NOT_SUPPORTED)
    public Allocation allocate(UUID network, String zone, String host, Owner owner) {
        return store.allocate(network, zone, host, owner);
    }

    /**
     * An address reserved for {@code host} in {@code zone}, usually one the host holds ready (no
     * database work). It is the owner's only once {@link #bind} has run in the owner's transaction
     * and that transaction has committed; if it does not commit, {@link #giveBack} it.
     */
    @Transactional(TxType.NOT_SUPPORTED)
    public IpamStore.Reservation take(UUID network, String zone, String host) {
        return store.take(network, zone, host);
    }

    /**
     * Binds the reserved address to the owner inside the caller's transaction (one UPDATE on its
     * connection); false if the reservation is gone, then take another.
     */
    @Transactional(TxType.MANDATORY)
    public boolean bind(IpamStore.Reservation reservation, Owner owner) {
        return em.unwrap(Session.class).doReturningWork(c -> store.bind(c, reservation, owner));
    }

    /**
     * As {@link #bind}, queued to go with the rest of the caller's transaction, in its last round
     * trip ({@link Appends#check}); if the reservation is gone by then, {@code refused} (given
     * PostgreSQL's message) is thrown to whoever sends it and the transaction rolls back
     * ({@link #discard} the reservation then).
     */
    @Transactional(TxType.MANDATORY)
    public void bindAtCommit(IpamStore.Reservation reservation, Owner owner, Function<String, RuntimeException> refused) {
        appends.check(new Appends.Refusal(IpamStore.BIND_REFUSED, error -> refused.apply(error.getMessage())),
                IpamStore.BIND_OR_REFUSE, store.bindParameters(reservation, owner));
    }

    /** A reservation that could not be bound: never handed out again by this replica. */
    public void discard(IpamStore.Reservation reservation) {
        store.discard(reservation);
    }

    /** The transaction that bound the reservation rolled back: the host may use the address again. */
    public void giveBack(IpamStore.Reservation reservation) {
        store.giveBack(reservation);
    }

    /** Releases the reservations older than twice the configured ready time (replicas that died held them); answers how many. */
    @Transactional(TxType.NOT_SUPPORTED)
    public int sweepReservations() {
        return store.sweepReservations(clock.instant().minus(config.readyFor().multipliedBy(2)));
    }

    /** Into quarantine only while {@code owner} holds it; false otherwise. */
    @Transactional(TxType.NOT_SUPPORTED)
    public boolean release(UUID network, IpAddress address, Owner owner) {
        return store.release(network, address, owner);
    }

    @Transactional(TxType.NOT_SUPPORTED)
    public List<IpAddress> addressesOf(UUID network, Owner owner) {
        return store.addressesOf(network, owner);
    }

    /** For {@code GET /v1/networks/{id}/ipam}. */
    @Transactional(TxType.NOT_SUPPORTED)
    public List<ZoneUse> blocks(UUID network) {
        return store.blocks(network);
    }

    /** For {@code GET /v1/networks/{id}/routes}: one per claimed block. */
    @Transactional(TxType.NOT_SUPPORTED)
    public List<Route> routes(UUID network) {
        return store.routes(network);
    }

    @Transactional(TxType.NOT_SUPPORTED)
    public void forget(UUID network) {
        store.forget(network);
    }
}
