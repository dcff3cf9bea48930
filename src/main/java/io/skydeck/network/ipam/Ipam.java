package io.skydeck.network.ipam;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.store.IpamStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.transaction.Transactional.TxType;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The service's local IPAM: {@link IpamStore} on the service's data source, configured by
 * {@link IpamConfig}. Every method runs outside the caller's transaction ({@code NOT_SUPPORTED}
 * suspends it): the store commits blocks and addresses itself, on its own connections, and an
 * allocation must not wait for, nor vanish with, the caller's commit. A caller whose later work
 * fails releases what it allocated. Calls block: use them from worker threads, not the event loop.
 */
@ApplicationScoped
public class Ipam {

    /** A pool of its own (application.properties says why): the callers' transactions hold the main pool's connections. */
    @Inject
    @DataSource("ipam")
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    @Inject
    IpamConfig config;

    private IpamStore store;

    @PostConstruct
    void start() {
        store = new IpamStore(dataSource, clock, new IpamStore.Settings(config.quarantine(), config.commit().committers(),
                config.commit().maxBatch(), config.commit().maxAttempts()));
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
