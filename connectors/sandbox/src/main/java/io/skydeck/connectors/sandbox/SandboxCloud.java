package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilitySet;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PriceList;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.UsageExport;
import io.skydeck.connectors.spi.Workloads;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A deterministic simulated cloud: the provider Skydeck runs on when nothing else is configured.
 *
 * <p>There are no threads. An accepted operation is due at its acceptance time plus the
 * topology's latency on the injected {@link Clock}; every call first finishes all operations
 * that are due ("settles"), in due order. Tests move a fixed clock instead of sleeping, and the
 * same calls at the same instants always give the same ids, states and bills.
 *
 * <p>Every accepted mutation is written to {@code stateDirectory} before the call returns, so a
 * new instance over the same directory sees exactly what callers were told was accepted, and
 * finishes it when it falls due. All calls are serialised on one lock: the sandbox is a test
 * peer, not a throughput target.
 */
public final class SandboxCloud implements CloudProvider {
    public static final String DEFAULT_NAME = "sandbox";

    /** Finishes an operation that fell due; {@code operation} already carries its outcome. */
    interface Settler {
        void finish(SandboxOperation operation);

        /** What a poll answers for {@code operation}; a settler may add what the provider shows of the result. */
        default OperationStatus reported(SandboxOperation operation, OperationStatus status) {
            return status;
        }
    }

    /** The moment a call is accepted, with what the faults planned for it. */
    record Acceptance(Instant now, Duration extraLatency, Optional<ProviderException> plannedFailure, boolean refusedSilently) {
    }

    private final String name;
    private final SandboxTopology topology;
    private final Clock clock;
    private final SandboxStateStore store;
    private final SandboxFaults faults = new SandboxFaults();
    private final Object lock = new Object();
    private final Map<ResourceType, Settler> settlers = new EnumMap<>(ResourceType.class);
    private final CapabilitySet capabilities;
    /** Settles installs, whatever their instance's type: see {@link #settlerOf}. */
    private final SandboxDeployments deployments;
    private final SandboxTraffic traffic;
    private SandboxState state;
    private boolean crashed;

    /**
     * @param name           the provider name errors and handles carry ("sandbox")
     * @param stateDirectory where the state lives (a {@link FileStateStore}); created if missing, reloaded if present
     * @param clock          the only source of time; a fixed clock in tests
     */
    public SandboxCloud(String name, SandboxTopology topology, Path stateDirectory, Clock clock) {
        this(name, topology, new FileStateStore(stateDirectory), clock);
    }

    /**
     * @param store where the state lives: a {@link FileStateStore} for one process, a
     *              {@link DatabaseStateStore} for a sandbox that several processes serve as one cloud
     */
    public SandboxCloud(String name, SandboxTopology topology, SandboxStateStore store, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.store = Objects.requireNonNull(store, "store");
        this.state = loadState();
        var servers = new SandboxServers(this);
        var workloads = new SandboxWorkloads(this);
        var networks = new SandboxNetworks(this);
        var securityGroups = new SandboxSecurityGroups(this);
        var publicIps = new SandboxPublicIps(this);
        var peerings = new SandboxPeerings(this);
        var vpns = new SandboxVpns(this);
        settlers.put(ResourceType.SERVER, servers);
        settlers.put(ResourceType.WORKLOAD, workloads);
        settlers.put(ResourceType.NETWORK, networks);
        settlers.put(ResourceType.SUBNET, networks);
        settlers.put(ResourceType.SECURITY_GROUP, securityGroups);
        settlers.put(ResourceType.SECURITY_GROUP_RULE, securityGroups);
        settlers.put(ResourceType.PUBLIC_IP, publicIps);
        settlers.put(ResourceType.NETWORK_PEERING, peerings);
        settlers.put(ResourceType.VPN_CONNECTION, vpns);
        this.deployments = new SandboxDeployments(this);
        this.traffic = new SandboxTraffic(this);
        this.capabilities = CapabilitySet.empty()
                .with(Servers.class, servers)
                .with(Workloads.class, workloads)
                .with(Networks.class, networks)
                .with(NetworkPeerings.class, peerings)
                .with(VpnConnections.class, vpns)
                .with(SecurityGroups.class, securityGroups)
                .with(PublicIps.class, publicIps)
                .with(Inventory.class, new SandboxInventory(this))
                .with(PriceList.class, new SandboxPriceList(this))
                .with(UsageExport.class, new SandboxUsageExport(this))
                .with(TrafficControl.class, new SandboxTrafficControl(this))
                .with(Deployments.class, deployments);
    }

    /** The out-of-the-box sandbox: {@link SandboxTopology#defaultTopology()}, named "sandbox". */
    public static SandboxCloud withDefaultTopology(Path stateDirectory, Clock clock) {
        return new SandboxCloud(DEFAULT_NAME, SandboxTopology.defaultTopology(), stateDirectory, clock);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.SANDBOX;
    }

    @Override
    public List<Region> regions() {
        return topology.spiRegions();
    }

    /** One process's state (or one shared store): what it accepted is there for the next read. */
    @Override
    public boolean readsItsOwnWrites() {
        return true;
    }

    @Override
    public Set<CapabilityKind> capabilities() {
        return capabilities.kinds();
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return capabilities.get(type);
    }

    @Override
    public ProviderHealth health() {
        synchronized (lock) {
            return crashed
                    ? new ProviderHealth(ProviderHealth.State.DOWN, "the sandbox crashed (injected); open a new instance", clock.instant())
                    : new ProviderHealth(ProviderHealth.State.UP, "simulated", clock.instant());
        }
    }

    @Override
    public void close() {
        store.close();
    }

    /** Where tests arm faults. */
    public SandboxFaults faults() {
        return faults;
    }

    /** The simulated users' traffic: load balancers as they stand, measurements, defective versions. */
    public SandboxTraffic traffic() {
        return traffic;
    }

    public SandboxTopology topology() {
        return topology;
    }

    // ---- the engine the capability classes run on -------------------------------------------

    Clock clock() {
        return clock;
    }

    /** The live state; only to be touched inside {@link #mutate} or {@link #read}. */
    SandboxState state() {
        return state;
    }

    /**
     * Runs a mutation: settle, meet any fault, apply, persist. If {@code action} throws, the
     * in-memory state is rolled back to the last persisted one, so a rejected call leaves no trace.
     */
    <T> T mutate(SandboxCall call, Function<Acceptance, T> action) {
        synchronized (lock) {
            return store.exclusively(() -> mutateExclusively(call, action));
        }
    }

    private <T> T mutateExclusively(SandboxCall call, Function<Acceptance, T> action) {
        {
            Instant now = begin();
            Fault fault = faults.take(call).orElse(null);
            Duration extra = Duration.ZERO;
            Optional<ProviderException> planned = Optional.empty();
            boolean refusedSilently = fault instanceof Fault.SilentlyRefused;
            if (fault instanceof Fault.FailCall fail) {
                throw fail.error();
            } else if (fault instanceof Fault.Timeout timeout && !timeout.requestApplied()) {
                throw timedOut(call);
            } else if (fault instanceof Fault.Slow slow) {
                extra = slow.extra();
            } else if (fault instanceof Fault.FailOperation failOperation) {
                planned = Optional.of(failOperation.error());
            }
            T result;
            try {
                result = action.apply(new Acceptance(now, extra, planned, refusedSilently));
            } catch (RuntimeException rejected) {
                state = loadState();
                throw rejected;
            }
            if (fault instanceof Fault.Crash crash && !crash.afterWrite()) {
                throw crash(call);
            }
            persist();
            if (fault instanceof Fault.Crash) {
                throw crash(call);
            }
            if (fault instanceof Fault.Timeout) {
                throw timedOut(call);
            }
            return result;
        }
    }

    /** Runs a query after settling; only failing, timing-out and crashing faults apply to reads. */
    <T> T read(SandboxCall call, Supplier<T> query) {
        synchronized (lock) {
            begin();
            Fault fault = faults.take(call).orElse(null);
            if (fault instanceof Fault.FailCall fail) {
                throw fail.error();
            } else if (fault instanceof Fault.Timeout) {
                throw timedOut(call);
            } else if (fault instanceof Fault.Crash) {
                throw crash(call);
            }
            return query.get();
        }
    }

    /** Records an accepted operation, due after {@code latency} plus any slow fault. */
    OperationHandle accept(Acceptance acceptance, OperationKind kind, ResourceRef resource,
                           Optional<IdempotencyToken> token, Duration latency, Optional<String> argument) {
        var operation = new SandboxOperation(state.newId("op"), kind, resource, token, acceptance.now(),
                acceptance.now().plus(latency).plus(acceptance.extraLatency()), argument,
                acceptance.plannedFailure().map(RecordedFailure::of), SandboxOperation.Outcome.PENDING,
                acceptance.refusedSilently());
        state.operations.put(operation.id(), operation);
        return operation.handle(name);
    }

    /** Records an operation that had nothing to do (stop a stopped server): already succeeded. */
    OperationHandle acceptNothingToDo(Acceptance acceptance, OperationKind kind, ResourceRef resource) {
        var operation = new SandboxOperation(state.newId("op"), kind, resource, Optional.empty(), acceptance.now(),
                acceptance.now(), Optional.empty(), Optional.empty(), SandboxOperation.Outcome.SUCCEEDED, false);
        state.operations.put(operation.id(), operation);
        return operation.handle(name);
    }

    /**
     * The first call's handle if {@code token} was used before for the same request; a
     * {@link RequestRejected} if it was used for another one (EC2's IdempotentParameterMismatch).
     */
    Optional<OperationHandle> replay(IdempotencyToken token, SandboxCall call, Object request) {
        var use = state.tokens.get(token.value());
        if (use == null) {
            return Optional.empty();
        }
        if (!use.fingerprint().equals(fingerprint(call, request))) {
            throw new RequestRejected(name, "The client token " + token + " was already used with different parameters.",
                    "IdempotentParameterMismatch", null);
        }
        return Optional.of(state.operations.get(use.operationId()).handle(name));
    }

    /**
     * Runs {@code action} once per token: a repeat with the same token and request returns the
     * first call's handle (even after that operation finished) instead of acting again.
     */
    OperationHandle once(Optional<IdempotencyToken> token, SandboxCall call, Object request,
                         java.util.function.Supplier<OperationHandle> action) {
        if (token.isEmpty()) {
            return action.get();
        }
        var replay = replay(token.get(), call, request);
        if (replay.isPresent()) {
            return replay.get();
        }
        OperationHandle handle = action.get();
        remember(token.get(), call, request, handle);
        return handle;
    }

    void remember(IdempotencyToken token, SandboxCall call, Object request, OperationHandle handle) {
        state.tokens.put(token.value(), new SandboxState.TokenUse(handle.operationId(), fingerprint(call, request)));
    }

    /** The pending operation on a resource, if any: the sandbox runs one task per resource at a time. */
    Optional<SandboxOperation> pendingOn(String resourceId) {
        return state.operations.pending().stream()
                .filter(op -> op.resource().id().equals(resourceId))
                .findFirst();
    }

    /** Ends a pending operation as failed without running it, because a delete overtook it. */
    void supersede(SandboxOperation operation, Instant at, String why) {
        var failure = RecordedFailure.of(new RequestRejected(name, "Operation " + operation.id() + " was cancelled: " + why + ".",
                "Superseded", null));
        state.operations.put(operation.id(), new SandboxOperation(operation.id(), operation.kind(), operation.resource(),
                operation.token(), operation.acceptedAt(), at, operation.argument(), Optional.of(failure),
                SandboxOperation.Outcome.FAILED, false));
    }

    OperationStatus poll(OperationHandle handle, SandboxCall call) {
        return poll(handle, call, (operation, status) -> status);
    }

    /**
     * The operation's status as {@code judge} reads it next to the resource, in the same read: a
     * task that ended says nothing of whether it did what was asked (see {@link Fault.SilentlyRefused}).
     */
    OperationStatus poll(OperationHandle handle, SandboxCall call, BiFunction<SandboxOperation, OperationStatus, OperationStatus> judge) {
        return read(call, () -> {
            var operation = handle.provider().equals(name) ? state.operations.get(handle.operationId()) : null;
            if (operation == null) {
                throw new ResourceNotFound(name, ResourceType.OPERATION, handle.operationId(),
                        "Operation " + handle.operationId() + " was not issued by " + name + ".");
            }
            // What the settler shows of the result, then judged: a task that ended may not have done what was asked.
            return judge.apply(operation, settlerOf(operation).reported(operation, operation.status(name)));
        });
    }

    ResourceNotFound notFound(ResourceType type, String id) {
        return new ResourceNotFound(name, type, id, type.name().toLowerCase().replace('_', ' ') + " " + id + " could not be found.");
    }

    RequestRejected rejected(String message) {
        return new RequestRejected(name, message, "Conflict", null);
    }

    // ---- internals ---------------------------------------------------------------------------

    private String fingerprint(SandboxCall call, Object request) {
        return SandboxJson.fingerprint(Map.of("call", call.name(), "request", request));
    }

    private Instant begin() {
        if (crashed) {
            throw new ProviderUnavailable(name, "the sandbox has crashed (injected fault); open a new instance over its directory");
        }
        store.changedElsewhere().ifPresent(current -> state = current);
        Instant now = clock.instant();
        settle(now);
        return now;
    }

    /** Finishes every operation due by {@code now}, earliest first; ties in acceptance order. */
    private void settle(Instant now) {
        List<SandboxOperation> due = state.operations.dueBy(now);
        for (SandboxOperation operation : due) {
            SandboxOperation finished = operation.finished();
            state.operations.put(finished.id(), finished);
            settlerOf(finished).finish(finished);
        }
    }

    /**
     * Who finishes an operation: the capability that owns its resource type, except an install
     * (an UPDATE of a server or of a pod, which is a workload-typed resource), which
     * {@link SandboxDeployments} finishes on both alike. A public IP's UPDATE is its association.
     */
    private Settler settlerOf(SandboxOperation operation) {
        var type = operation.resource().type();
        boolean install = operation.kind() == OperationKind.UPDATE && (type == ResourceType.SERVER || type == ResourceType.WORKLOAD);
        return install ? deployments : settlers.get(type);
    }

    private void persist() {
        try {
            store.save(state);
        } catch (RuntimeException e) {
            state = loadState();
            throw new ProviderUnavailable(name, "the sandbox could not write its state: " + e.getMessage(), null, e);
        }
        state.changesSaved();
    }

    /** The stored state; also how a rejected or unwritable mutation is rolled back. */
    private SandboxState loadState() {
        return store.load().orElseGet(SandboxState::new);
    }

    private ProviderTimeout timedOut(SandboxCall call) {
        return new ProviderTimeout(name, "no answer to " + call + " in time (injected fault)");
    }

    private ProviderUnavailable crash(SandboxCall call) {
        crashed = true;
        return new ProviderUnavailable(name, "the sandbox crashed during " + call + " (injected fault)");
    }
}
