package io.skydeck.release;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox with a load balancer and installs of its own, for release tests until the sandbox
 * connector has them: every target id is a load balancer that exists; an install is done at once
 * (or waits on a gate the test opens) and is idempotent by token; an instance is unhealthy when
 * it runs an artifact the test marked bad for it. Every call is recorded, in order, for the
 * assertions.
 */
final class ReleaseTestCloud implements CloudProvider {

    /** One call as the provider saw it. */
    record Call(String what, String instance, String detail, String thread) {
    }

    private final CloudProvider delegate;
    private final boolean trafficControl;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Instance → the artifact it runs now. */
    final Map<String, String> running = new ConcurrentHashMap<>();
    /** Instances out of traffic. */
    final Set<String> out = ConcurrentHashMap.newKeySet();
    /** Artifact → the instances on which it fails its ignition check. */
    final Map<String, Set<String>> badOn = new ConcurrentHashMap<>();
    /** Install tokens already carried out: a repeat is a no-op. */
    final Map<String, String> installedByToken = new ConcurrentHashMap<>();
    /** Instance → a gate its next install waits on (a driver "stalls" there). */
    final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    /** Instance → a latch counted down when its install reaches the gate. */
    final Map<String, CountDownLatch> atGate = new ConcurrentHashMap<>();

    ReleaseTestCloud(CloudProvider delegate, boolean trafficControl) {
        this.delegate = delegate;
        this.trafficControl = trafficControl;
    }

    CloudProvider delegate() {
        return delegate;
    }

    void failOn(String artifact, Set<String> instances) {
        badOn.put(artifact, Set.copyOf(instances));
    }

    /** The effective installs (one per token) of each instance, in order. */
    List<String> installsOf(String instance) {
        List<String> installs = new ArrayList<>();
        for (Call c : calls) {
            if (c.what().equals("install") && c.instance().equals(instance) && !c.detail().startsWith("repeat ")) {
                installs.add(c.detail());
            }
        }
        return installs;
    }

    private final TrafficControl traffic = new TrafficControl() {
        @Override
        public void pullOut(TrafficTarget target, String instanceId) {
            calls.add(new Call("pullOut", instanceId, target.id(), Thread.currentThread().getName()));
            out.add(instanceId);
        }

        @Override
        public void pullIn(TrafficTarget target, String instanceId) {
            calls.add(new Call("pullIn", instanceId, target.id(), Thread.currentThread().getName()));
            out.remove(instanceId);
        }

        @Override
        public Set<String> inTraffic(TrafficTarget target) {
            Set<String> in = new java.util.HashSet<>(running.keySet());
            in.removeAll(out);
            return in;
        }
    };

    private final Deployments deployments = new Deployments() {
        @Override
        public OperationHandle install(InstallSpec spec, IdempotencyToken token) {
            OperationHandle handle = new OperationHandle(name(), token.value(), OperationKind.UPDATE,
                    new ResourceRef(ResourceType.SERVER, spec.instanceId(), spec.region()), Optional.of(token), Instant.now());
            if (installedByToken.containsKey(token.value())) {
                calls.add(new Call("install", spec.instanceId(), "repeat " + spec.artifact(), Thread.currentThread().getName()));
                return handle;
            }
            CountDownLatch gate = gates.remove(spec.instanceId());
            if (gate != null) {
                atGate.computeIfAbsent(spec.instanceId(), id -> new CountDownLatch(1)).countDown();
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (installedByToken.containsKey(token.value())) {
                    calls.add(new Call("install", spec.instanceId(), "repeat " + spec.artifact(), Thread.currentThread().getName()));
                    return handle;
                }
            }
            installedByToken.put(token.value(), spec.artifact());
            running.put(spec.instanceId(), spec.artifact());
            calls.add(new Call("install", spec.instanceId(), spec.artifact() + " sha256=" + spec.sha256().orElse("-"),
                    Thread.currentThread().getName()));
            return handle;
        }

        @Override
        public InstanceHealth health(String region, String instanceId) {
            String artifact = running.get(instanceId);
            calls.add(new Call("health", instanceId, String.valueOf(artifact), Thread.currentThread().getName()));
            if (artifact != null && badOn.getOrDefault(artifact, Set.of()).contains(instanceId)) {
                return InstanceHealth.failing(artifact + " does not start on " + instanceId);
            }
            return InstanceHealth.ok();
        }

        @Override
        public OperationStatus poll(OperationHandle handle) {
            return new OperationStatus.Succeeded(handle, Instant.now());
        }
    };

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ProviderKind kind() {
        return delegate.kind();
    }

    @Override
    public List<Region> regions() {
        return delegate.regions();
    }

    @Override
    public Set<CapabilityKind> capabilities() {
        EnumSet<CapabilityKind> kinds = EnumSet.copyOf(delegate.capabilities());
        kinds.add(CapabilityKind.DEPLOYMENTS);
        if (trafficControl) {
            kinds.add(CapabilityKind.TRAFFIC_CONTROL);
        } else {
            kinds.remove(CapabilityKind.TRAFFIC_CONTROL);
        }
        return Collections.unmodifiableSet(kinds);
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        if (type == Deployments.class) {
            return Optional.of(type.cast(deployments));
        }
        if (type == TrafficControl.class) {
            return trafficControl ? Optional.of(type.cast(traffic)) : Optional.empty();
        }
        return delegate.capability(type);
    }

    @Override
    public ProviderHealth health() {
        return delegate.health();
    }

    /** The sandbox stays open: the test puts it back when done. */
    @Override
    public void close() {
    }
}
