package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Servers on simulated hosts. Lifecycle: BUILDING → ACTIVE (or ERROR), ACTIVE ⇄ STOPPED,
 * RESIZING → back to where it was with the new flavor (on another host of its zone when its own
 * has no room for the new one, as Nova migrates), DELETING → gone. Capacity is taken when
 * a create is accepted and given back when the server is gone or failed. Metering runs while
 * the server is ACTIVE: from the moment it becomes ACTIVE until a stop finishes, a resize
 * finishes (then anew at the new price), or a delete is accepted.
 *
 * <p>As on Nova, an action's task ending does not say the action happened: a silently refused
 * resize, start or stop ({@link Fault.SilentlyRefused}) ends with no error and the server where it
 * was. A poll therefore judges a finished action by the server, as the OpenStack connector does:
 * settled but not where it was asked to be is refused.
 */
final class SandboxServers implements Servers, SandboxCloud.Settler {
    private final SandboxCloud cloud;

    SandboxServers(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle create(ServerSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_SERVER, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_SERVER, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            var topology = cloud.topology();
            var region = topology.region(spec.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, spec.region()));
            var flavor = topology.flavor(spec.flavorId()).orElseThrow(() -> cloud.notFound(ResourceType.FLAVOR, spec.flavorId()));
            if (!topology.images().contains(spec.imageId())) {
                throw cloud.notFound(ResourceType.IMAGE, spec.imageId());
            }
            var state = cloud.state();
            requireAttachments(spec, state);
            var place = choosePlace(region, spec, flavor);
            String id = state.newId("srv");
            // A server in a network gets the address it was asked for (a Neutron port's fixed IP), else one of the sandbox's.
            String address = spec.fixedAddress().orElse(address(state.nextId));
            var server = new ProviderServer(id, spec.name(), region.id(), place.zone().id(), Optional.of(place.host().id()),
                    flavor.id(), spec.imageId(), ServerStatus.BUILDING, "BUILD", Optional.of(token),
                    List.of(address), spec.tags(), acceptance.now());
            state.servers.put(id, server);
            spec.subnetId().ifPresent(subnet -> state.serverSubnets.put(id, subnet));
            var handle = cloud.accept(acceptance, OperationKind.CREATE, ref(server), Optional.of(token),
                    topology.latency().create(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_SERVER, spec, handle);
            return handle;
        });
    }

    /** The networks, subnet and groups a create names must exist, and a fixed address must be free, as Neutron checks them. */
    private void requireAttachments(ServerSpec spec, SandboxState state) {
        for (String networkId : spec.networkIds()) {
            if (!state.networks.containsKey(networkId)) {
                throw cloud.notFound(ResourceType.NETWORK, networkId);
            }
        }
        spec.subnetId().ifPresent(subnetId -> {
            var subnet = state.subnets.get(subnetId);
            if (subnet == null || !spec.networkIds().contains(subnet.networkId())) {
                throw cloud.notFound(ResourceType.SUBNET, subnetId);
            }
        });
        spec.fixedAddress().ifPresent(fixed -> {
            String subnet = spec.subnetId().orElseThrow();
            if (state.indexes().addressTaken(subnet, fixed)) {
                throw cloud.rejected("IP address " + fixed + " already allocated in subnet " + spec.subnetId().orElseThrow() + ".");
            }
        });
        for (String groupId : spec.securityGroupIds()) {
            if (!state.securityGroups.containsKey(groupId)) {
                throw cloud.notFound(ResourceType.SECURITY_GROUP, groupId);
            }
        }
    }

    @Override
    public OperationHandle delete(String serverId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_SERVER, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_SERVER, serverId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var server = existing(serverId);
            var pending = cloud.pendingOn(serverId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            // Deleting wins over whatever else runs on the server, as on Nova.
            pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), "server " + serverId + " was deleted"));
            var state = cloud.state();
            state.stopMetering(serverId, acceptance.now());
            state.servers.put(serverId, withStatus(server, ServerStatus.DELETING, "DELETING"));
            var handle = cloud.accept(acceptance, OperationKind.DELETE, ref(server), Optional.of(token),
                    cloud.topology().latency().delete(), Optional.empty());
            cloud.remember(token, SandboxCall.DELETE_SERVER, serverId, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle start(String serverId) {
        return power(SandboxCall.START_SERVER, OperationKind.START, serverId, ServerStatus.STOPPED, ServerStatus.ACTIVE,
                Optional.empty());
    }

    @Override
    public OperationHandle start(String serverId, IdempotencyToken token) {
        return power(SandboxCall.START_SERVER, OperationKind.START, serverId, ServerStatus.STOPPED, ServerStatus.ACTIVE,
                Optional.of(token));
    }

    @Override
    public OperationHandle stop(String serverId) {
        return power(SandboxCall.STOP_SERVER, OperationKind.STOP, serverId, ServerStatus.ACTIVE, ServerStatus.STOPPED,
                Optional.empty());
    }

    @Override
    public OperationHandle stop(String serverId, IdempotencyToken token) {
        return power(SandboxCall.STOP_SERVER, OperationKind.STOP, serverId, ServerStatus.ACTIVE, ServerStatus.STOPPED,
                Optional.of(token));
    }

    private OperationHandle power(SandboxCall call, OperationKind kind, String serverId, ServerStatus from, ServerStatus to,
                                  Optional<IdempotencyToken> token) {
        return cloud.mutate(call, acceptance -> cloud.once(token, call, serverId, () -> {
            var server = existing(serverId);
            var pending = cloud.pendingOn(serverId);
            if (pending.isPresent()) {
                if (pending.get().kind() == kind) {
                    return pending.get().handle(cloud.name());
                }
                throw cloud.rejected("Server " + serverId + " is busy with " + pending.get().kind() + ".");
            }
            if (server.status() == to) {
                return cloud.acceptNothingToDo(acceptance, kind, ref(server));
            }
            if (server.status() != from) {
                throw cloud.rejected("Cannot " + kind.name().toLowerCase() + " server " + serverId + " while it is " + server.status() + ".");
            }
            return cloud.accept(acceptance, kind, ref(server), token, cloud.topology().latency().power(), Optional.empty());
        }));
    }

    @Override
    public OperationHandle resize(String serverId, String flavorId) {
        return resize(serverId, flavorId, Optional.empty());
    }

    @Override
    public OperationHandle resize(String serverId, String flavorId, IdempotencyToken token) {
        return resize(serverId, flavorId, Optional.of(token));
    }

    private OperationHandle resize(String serverId, String flavorId, Optional<IdempotencyToken> token) {
        return cloud.mutate(SandboxCall.RESIZE_SERVER, acceptance -> cloud.once(token, SandboxCall.RESIZE_SERVER,
                serverId + "|" + flavorId, () -> {
            var server = existing(serverId);
            var target = cloud.topology().flavor(flavorId).orElseThrow(() -> cloud.notFound(ResourceType.FLAVOR, flavorId));
            var pending = cloud.pendingOn(serverId);
            if (pending.isPresent()) {
                if (pending.get().kind() == OperationKind.RESIZE && resizeTarget(pending.get()).equals(flavorId)) {
                    return pending.get().handle(cloud.name());
                }
                throw cloud.rejected("Server " + serverId + " is busy with " + pending.get().kind() + ".");
            }
            if (server.flavorId().equals(flavorId)) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.RESIZE, ref(server));
            }
            if (server.status() != ServerStatus.ACTIVE && server.status() != ServerStatus.STOPPED) {
                throw cloud.rejected("Cannot resize server " + serverId + " while it is " + server.status() + ".");
            }
            var capacity = new SandboxCapacity(cloud.topology(), cloud.state());
            var host = hostSpec(server);
            var current = cloud.topology().flavor(server.flavorId()).orElseThrow().resources();
            var growth = new Resources(Math.max(0, target.resources().vcpus() - current.vcpus()),
                    Math.max(0, target.resources().memoryMiB() - current.memoryMiB()),
                    Math.max(0, target.resources().gpus() - current.gpus()));
            // The argument remembers where to return to: "target|status before the resize", plus
            // "|destination host" when the resize migrates the server.
            String argument = flavorId + "|" + server.status();
            if (!capacity.hostFree(host).fits(growth)) {
                // As Nova's scheduler does: no room where it runs, so it moves to a host of its zone that has room.
                var destination = migrationTarget(server, host, target, capacity).orElseThrow(() -> noValidHost("host "
                        + host.id() + " has no room to grow server " + serverId + " to " + flavorId
                        + ", nor has any other host of zone " + server.zone()));
                argument += "|" + destination.id();
            }
            var handle = cloud.accept(acceptance, OperationKind.RESIZE, ref(server), token,
                    cloud.topology().latency().resize(), Optional.of(argument));
            cloud.state().servers.put(serverId, withStatus(server, ServerStatus.RESIZING, "RESIZE"));
            return handle;
        }));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_SERVERS, this::judged);
    }

    /** A finished resize, start or stop as the server shows it: on the ordered flavor, in the ordered state, or refused. */
    private OperationStatus judged(SandboxOperation operation, OperationStatus status) {
        var server = cloud.state().servers.get(operation.resource().id());
        if (!(status instanceof OperationStatus.Succeeded done) || server == null || operation.argument().isEmpty()
                && operation.kind() == OperationKind.RESIZE) {
            return status; // still running, failed, deleted since, or a resize that had nothing to do
        }
        return switch (operation.kind()) {
            case RESIZE -> server.flavorId().equals(resizeTarget(operation)) ? status : refused(done, "resize-refused",
                    "Server " + server.id() + " was not resized to flavor " + resizeTarget(operation) + "; it is "
                            + server.status() + " on flavor " + server.flavorId() + " again.");
            case START -> server.status() == ServerStatus.ACTIVE ? status : refused(done, "start-refused",
                    "Server " + server.id() + " did not start; it is " + server.status() + ".");
            case STOP -> server.status() == ServerStatus.STOPPED ? status : refused(done, "stop-refused",
                    "Server " + server.id() + " did not stop; it is " + server.status() + ".");
            default -> status;
        };
    }

    private OperationStatus refused(OperationStatus.Succeeded done, String code, String message) {
        return new OperationStatus.Failed(done.handle(), done.finishedAt(), new RequestRejected(cloud.name(), message, code, null));
    }

    /** A finished resize reports the server as it is now, on the host it was moved to if it was. */
    @Override
    public OperationStatus reported(SandboxOperation operation, OperationStatus status) {
        if (operation.kind() == OperationKind.RESIZE && status instanceof OperationStatus.Succeeded done) {
            return new OperationStatus.Succeeded(done.handle(), done.finishedAt(),
                    Optional.ofNullable(cloud.state().servers.get(operation.resource().id())));
        }
        return status;
    }

    @Override
    public Optional<ProviderServer> get(String serverId) {
        return cloud.read(SandboxCall.READ_SERVERS, () -> Optional.ofNullable(cloud.state().servers.get(serverId)));
    }

    @Override
    public Optional<ProviderServer> findByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_SERVERS, () -> cloud.state().servers.values().stream()
                .filter(server -> server.token().equals(Optional.of(token)))
                .findFirst());
    }

    @Override
    public List<ProviderServer> list() {
        return cloud.read(SandboxCall.READ_SERVERS, () -> List.copyOf(cloud.state().servers.values()));
    }

    @Override
    public void finish(SandboxOperation operation) {
        var state = cloud.state();
        var server = state.servers.get(operation.resource().id());
        if (server == null) {
            return; // deleted while this operation ran
        }
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        Instant at = operation.dueAt();
        switch (operation.kind()) {
            case CREATE -> {
                if (ok) {
                    state.servers.put(server.id(), withStatus(server, ServerStatus.ACTIVE, "ACTIVE"));
                    startMetering(server, server.flavorId(), at);
                } else {
                    state.servers.put(server.id(), withStatus(server, ServerStatus.ERROR, "ERROR"));
                }
            }
            case DELETE -> {
                if (ok) {
                    state.servers.remove(server.id());
                    state.serverSubnets.remove(server.id());
                } else {
                    state.servers.put(server.id(), withStatus(server, ServerStatus.ERROR, "ERROR"));
                }
            }
            case STOP -> {
                if (ok && !operation.silentlyRefused()) {
                    state.stopMetering(server.id(), at);
                    state.servers.put(server.id(), withStatus(server, ServerStatus.STOPPED, "SHUTOFF"));
                }
            }
            case START -> {
                if (ok && !operation.silentlyRefused()) {
                    state.servers.put(server.id(), withStatus(server, ServerStatus.ACTIVE, "ACTIVE"));
                    startMetering(server, server.flavorId(), at);
                }
            }
            case RESIZE -> {
                var before = ServerStatus.valueOf(operation.argument().orElseThrow().split("\\|")[1]);
                ok = ok && !operation.silentlyRefused();
                String flavor = ok ? resizeTarget(operation) : server.flavorId();
                var host = ok ? migrationDestination(operation).or(server::host) : server.host();
                var resized = new ProviderServer(server.id(), server.name(), server.region(), server.zone(), host,
                        flavor, server.imageId(), before, before == ServerStatus.ACTIVE ? "ACTIVE" : "SHUTOFF",
                        server.token(), server.addresses(), server.tags(), server.createdAt());
                state.servers.put(server.id(), resized);
                if (ok && before == ServerStatus.ACTIVE) {
                    state.stopMetering(server.id(), at);
                    startMetering(server, flavor, at);
                }
            }
            case SCALE, UPDATE -> throw new IllegalStateException("servers do not " + operation.kind());
        }
    }

    static String resizeTarget(SandboxOperation operation) {
        return operation.argument().orElseThrow().split("\\|")[0];
    }

    /** The host a migrating resize moves its server to; empty for a resize in place. */
    static Optional<String> migrationDestination(SandboxOperation operation) {
        String[] parts = operation.argument().orElseThrow().split("\\|");
        return parts.length > 2 ? Optional.of(parts[2]) : Optional.empty();
    }

    /** The first other host (in topology order) of the server's zone with room for the whole new flavor. */
    private Optional<SandboxTopology.HostSpec> migrationTarget(ProviderServer server, SandboxTopology.HostSpec current,
                                                               SandboxTopology.FlavorSpec target, SandboxCapacity capacity) {
        return cloud.topology().region(server.region()).orElseThrow().zones().stream()
                .filter(zone -> zone.id().equals(server.zone()))
                .flatMap(zone -> zone.hosts().stream())
                .filter(host -> !host.id().equals(current.id()))
                .filter(host -> capacity.hostFree(host).fits(target.resources()))
                .findFirst();
    }

    private record Place(SandboxTopology.ZoneSpec zone, SandboxTopology.HostSpec host) {
    }

    /** The requested host, or the first host (in topology order) with room in the requested zone or region. */
    private Place choosePlace(SandboxTopology.RegionSpec region, ServerSpec spec, SandboxTopology.FlavorSpec flavor) {
        var capacity = new SandboxCapacity(cloud.topology(), cloud.state());
        var zones = region.zones().stream().filter(zone -> spec.zone().map(zone.id()::equals).orElse(true)).toList();
        if (zones.isEmpty()) {
            throw cloud.notFound(ResourceType.ZONE, spec.zone().orElseThrow());
        }
        for (var zone : zones) {
            for (var host : zone.hosts()) {
                boolean requested = spec.host().map(host.id()::equals).orElse(true);
                if (requested && capacity.hostFree(host).fits(flavor.resources())) {
                    return new Place(zone, host);
                }
            }
        }
        if (spec.host().isPresent() && zones.stream().flatMap(zone -> zone.hosts().stream()).noneMatch(h -> h.id().equals(spec.host().get()))) {
            throw cloud.notFound(ResourceType.HOST, spec.host().get());
        }
        throw noValidHost("no host " + spec.host().map(h -> h + " ").orElse("") + "in " + zones.stream().map(SandboxTopology.ZoneSpec::id).toList()
                + " has room for flavor " + flavor.id());
    }

    private ProviderUnavailable noValidHost(String why) {
        return new ProviderUnavailable(cloud.name(), "No valid host was found. " + why + ".", "NoValidHost", null);
    }

    private void startMetering(ProviderServer server, String flavorId, Instant at) {
        var price = cloud.topology().flavor(flavorId).orElseThrow().hourly();
        cloud.state().usage.add(new UsageSegment(server.id(), ResourceType.SERVER, server.region(), "server-hours:" + flavorId,
                "Hrs", BigDecimal.ONE, price, at, Optional.empty(), server.tags()));
    }

    private SandboxTopology.HostSpec hostSpec(ProviderServer server) {
        return cloud.topology().region(server.region()).orElseThrow().zones().stream()
                .flatMap(zone -> zone.hosts().stream())
                .filter(host -> host.id().equals(server.host().orElseThrow()))
                .findFirst().orElseThrow();
    }

    private ProviderServer existing(String serverId) {
        var server = cloud.state().servers.get(serverId);
        if (server == null) {
            throw cloud.notFound(ResourceType.SERVER, serverId);
        }
        return server;
    }

    private static ProviderServer withStatus(ProviderServer s, ServerStatus status, String providerStatus) {
        return new ProviderServer(s.id(), s.name(), s.region(), s.zone(), s.host(), s.flavorId(), s.imageId(), status,
                providerStatus, s.token(), s.addresses(), s.tags(), s.createdAt());
    }

    private static ResourceRef ref(ProviderServer server) {
        return new ResourceRef(ResourceType.SERVER, server.id(), server.region());
    }

    /** A private address from the id counter: deterministic and unique within one sandbox. */
    private static String address(long n) {
        return "10." + (n >> 16 & 0xff) + "." + (n >> 8 & 0xff) + "." + (n & 0xff);
    }
}
