package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Nova servers. Nova answers every mutation with 202 and no operation object, so a handle names
 * the server and a poll reads the server's status; a resize is confirmed by the poll that sees
 * VERIFY_RESIZE, so Succeeded means the whole resize is done, and carries the server as Nova
 * shows it then (its host included: a resize is a migration).
 *
 * <p>A server given a fixed address in a tenant network boots on a Neutron port made for it
 * first ({@link NeutronServerPorts}); one given networks without an address boots on them and
 * Nova makes the ports.
 */
final class OpenStackServers implements Servers {
    private final OpenStackSession session;
    private final NovaServerPages pages;
    private final NeutronServerPorts ports;
    private final OpenStackDeployments deployments;

    OpenStackServers(OpenStackSession session) {
        this(session, new NovaServerPages(NovaServerPages.NOVA_MAX_LIMIT));
    }

    OpenStackServers(OpenStackSession session, NovaServerPages pages) {
        this.session = session;
        this.pages = pages;
        this.ports = new NeutronServerPorts(session);
        // An install's handle is an UPDATE of a server, so CloudProvider.poll brings it here.
        this.deployments = new OpenStackDeployments(session);
    }

    @Override
    public OperationHandle create(ServerSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        Optional<Server> earlier = findInRegion(spec.region(), token);
        if (earlier.isPresent()) {
            requireSameRequest(earlier.get(), spec, token);
            return session.handle(OperationKind.CREATE, ResourceType.SERVER, earlier.get().getId(), spec.region(), Optional.of(token));
        }
        Target what = Target.of(ResourceType.SERVER, spec.name());
        if (spec.fixedAddress().isEmpty()) {
            Server created = session.call(spec.region(), what, os -> os.compute().servers().boot(ServerSpecToServerCreate.convert(spec, token)));
            return session.handle(OperationKind.CREATE, ResourceType.SERVER, created.getId(), spec.region(), Optional.of(token));
        }
        String portId = ports.findOrCreate(spec, token);
        Server created;
        try {
            created = session.call(spec.region(), what,
                    os -> os.compute().servers().boot(ServerSpecToServerCreate.convertOnPort(spec, token, portId)));
        } catch (ProviderException refused) {
            if (NeutronServerPorts.novaMadeNothing(refused)) {
                ports.releaseAfterRefusedBoot(spec.region(), portId, refused);
            }
            throw refused;
        }
        return session.handle(OperationKind.CREATE, ResourceType.SERVER, created.getId(), spec.region(), Optional.of(token));
    }

    private void requireSameRequest(Server earlier, ServerSpec spec, IdempotencyToken token) {
        boolean same = spec.name().equals(earlier.getName())
                && spec.flavorId().equals(earlier.getFlavorId())
                && (earlier.getImageId() == null || spec.imageId().equals(earlier.getImageId()));
        if (!same) {
            throw new RequestRejected(session.provider(), "idempotency token " + token + " was used for server "
                    + earlier.getId() + " (" + earlier.getName() + ", flavor " + earlier.getFlavorId()
                    + ") and cannot create " + spec.name() + " with flavor " + spec.flavorId(), "token-reused", null);
        }
    }

    /**
     * The handle of a server on a Skydeck-made port names the port ("delete:server:port"): the poll
     * that sees the server gone deletes it, after Nova has let go of it.
     */
    @Override
    public OperationHandle delete(String serverId, IdempotencyToken token) {
        String region = regionOf(serverId);
        Target what = Target.of(ResourceType.SERVER, serverId);
        Optional<String> port = session.call(region, what, os -> {
            Optional<String> madeByUs = Optional.ofNullable(os.compute().servers().get(serverId)).flatMap(ServerToProviderServer::portOf);
            session.requireSuccess(os.compute().servers().delete(serverId), what);
            return madeByUs;
        });
        return session.handle(OperationKind.DELETE, ResourceType.SERVER, serverId, region, Optional.of(token), port.orElse(""));
    }

    @Override
    public OperationHandle start(String serverId) {
        return powerAction(serverId, OperationKind.START, Action.START, Server.Status.ACTIVE);
    }

    @Override
    public OperationHandle stop(String serverId) {
        return powerAction(serverId, OperationKind.STOP, Action.STOP, Server.Status.SHUTOFF);
    }

    /** Nova answers 409 to starting a running server; the SPI wants that to be a no-op, so look first. */
    private OperationHandle powerAction(String serverId, OperationKind kind, Action action, Server.Status target) {
        String region = regionOf(serverId);
        Target what = Target.of(ResourceType.SERVER, serverId);
        session.call(region, what, os -> {
            Server server = os.compute().servers().get(serverId);
            if (server == null) {
                throw notFound(serverId);
            }
            if (server.getStatus() != target) {
                session.requireSuccess(os.compute().servers().action(serverId, action), what);
            }
            return null;
        });
        return session.handle(kind, ResourceType.SERVER, serverId, region, Optional.empty());
    }

    @Override
    public OperationHandle resize(String serverId, String flavorId) {
        String region = regionOf(serverId);
        Target what = Target.of(ResourceType.SERVER, serverId);
        session.call(region, what, os -> {
            Server server = os.compute().servers().get(serverId);
            if (server == null) {
                throw notFound(serverId);
            }
            if (!flavorId.equals(server.getFlavorId())) {
                session.requireSuccess(os.compute().servers().resize(serverId, flavorId), what);
            }
            return null;
        });
        return session.handle(OperationKind.RESIZE, ResourceType.SERVER, serverId, region, Optional.empty(), flavorId);
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        if (handle.kind() == OperationKind.UPDATE) {
            return deployments.poll(handle);
        }
        String detail = session.detailOf(handle);
        String serverId = handle.resource().id();
        String region = handle.resource().region();
        Optional<Server> found = fetch(region, serverId);
        Instant now = session.clock().instant();
        if (handle.kind() == OperationKind.DELETE) {
            if (found.isEmpty() || found.get().getStatus() == Server.Status.DELETED) {
                if (!detail.isEmpty()) {
                    ports.deleteAfterServer(region, detail);
                }
                return new OperationStatus.Succeeded(handle, now);
            }
            return failedOrInProgress(handle, found.get(), now);
        }
        if (found.isEmpty()) {
            return new OperationStatus.Failed(handle, now, notFound(serverId));
        }
        Server server = found.get();
        boolean settled = server.getTaskState() == null;
        return switch (handle.kind()) {
            case CREATE -> server.getStatus() == Server.Status.ACTIVE
                    ? new OperationStatus.Succeeded(handle, launchedAt(server, now))
                    : failedOrInProgress(handle, server, now);
            case START -> server.getStatus() == Server.Status.ACTIVE && settled
                    ? new OperationStatus.Succeeded(handle, now) : failedOrInProgress(handle, server, now);
            case STOP -> server.getStatus() == Server.Status.SHUTOFF && settled
                    ? new OperationStatus.Succeeded(handle, now) : failedOrInProgress(handle, server, now);
            case RESIZE -> pollResize(handle, server, detail, now);
            default -> throw new RequestRejected(session.provider(), "servers do not " + handle.kind());
        };
    }

    private OperationStatus pollResize(OperationHandle handle, Server server, String flavorId, Instant now) {
        if (server.getStatus() == Server.Status.VERIFY_RESIZE) {
            Target what = Target.of(ResourceType.SERVER, server.getId());
            session.call(handle.resource().region(), what, os -> {
                session.requireSuccess(os.compute().servers().confirmResize(server.getId()), what);
                return null;
            });
            return new OperationStatus.InProgress(handle, "VERIFY_RESIZE (confirming)");
        }
        boolean settled = server.getTaskState() == null
                && (server.getStatus() == Server.Status.ACTIVE || server.getStatus() == Server.Status.SHUTOFF);
        if (settled && flavorId.equals(server.getFlavorId())) {
            // Nova resizes by migrating (to another hypervisor unless allow_resize_to_same_host):
            // the server as it is now tells where it runs.
            return new OperationStatus.Succeeded(handle, now,
                    Optional.of(ServerToProviderServer.convert(server, handle.resource().region())));
        }
        if (settled) {
            // Nova's API set a task state before it answered 202; back to no task on the old flavor
            // means Nova gave up (NoValidHost on a single hypervisor) without an ERROR: refused.
            return new OperationStatus.Failed(handle, now, new RequestRejected(session.provider(),
                    "Nova did not resize server " + server.getId() + " to flavor " + flavorId + "; it is " + server.getStatus()
                            + " on flavor " + server.getFlavorId() + " again" + resizeFailure(handle.resource().region(), server.getId()),
                    "resize-refused", null));
        }
        return failedOrInProgress(handle, server, now);
    }

    /** What Nova's instance actions say of the last resize, e.g. "; resize: Error"; empty if they say nothing. */
    private String resizeFailure(String region, String serverId) {
        try {
            return session.call(region, Target.of(ResourceType.SERVER, serverId), os ->
                    os.compute().servers().instanceActions().list(serverId).stream()
                            .filter(action -> "resize".equals(action.getAction()))
                            .max(java.util.Comparator.comparing(action -> action.getStartTime() == null ? new java.util.Date(0)
                                    : action.getStartTime()))
                            .map(action -> action.getMessage() == null ? "" : "; resize action: " + action.getMessage())
                            .orElse(""));
        } catch (io.skydeck.connectors.spi.ProviderException unreadable) {
            return "";
        }
    }

    private OperationStatus failedOrInProgress(OperationHandle handle, Server server, Instant now) {
        if (server.getStatus() == Server.Status.ERROR) {
            String message = server.getFault() != null && server.getFault().getMessage() != null
                    ? server.getFault().getMessage() : "server " + server.getId() + " is in ERROR";
            // "No valid host was found" and friends are capacity, not a bad request: retryable elsewhere or later.
            String code = server.getFault() != null ? String.valueOf(server.getFault().getCode()) : "ERROR";
            return new OperationStatus.Failed(handle, now, new ProviderUnavailable(session.provider(), message, code, null));
        }
        String status = server.getStatus() == null ? "UNKNOWN" : server.getStatus().name();
        return new OperationStatus.InProgress(handle, server.getTaskState() == null ? status : status + " (" + server.getTaskState() + ")");
    }

    private static Instant launchedAt(Server server, Instant fallback) {
        return server.getLaunchedAt() == null ? fallback : server.getLaunchedAt().toInstant();
    }

    @Override
    public Optional<ProviderServer> get(String serverId) {
        for (String region : session.regions()) {
            Optional<Server> server = fetch(region, serverId);
            if (server.isPresent()) {
                // Nova may still answer a GET of a deleted server for a while, with status DELETED: it is gone, as the
                // delete's poll and the token lookup already say.
                return server.filter(found -> found.getStatus() != Server.Status.DELETED)
                        .map(found -> ServerToProviderServer.convert(found, region));
            }
        }
        return Optional.empty();
    }

    /** The port made for the token's boot, in whichever region it is, unless a server holds it. */
    @Override
    public void releaseLeftovers(IdempotencyToken token) {
        for (String region : session.regions()) {
            ports.releaseUnbound(region, token);
        }
    }

    @Override
    public Optional<ProviderServer> findByToken(IdempotencyToken token) {
        for (String region : session.regions()) {
            Optional<Server> server = findInRegion(region, token);
            if (server.isPresent()) {
                return server.map(found -> ServerToProviderServer.convert(found, region));
            }
        }
        return Optional.empty();
    }

    @Override
    public List<ProviderServer> list() {
        List<ProviderServer> all = new ArrayList<>();
        for (String region : session.regions()) {
            listIn(region).forEach(server -> all.add(ServerToProviderServer.convert(server, region)));
        }
        return all;
    }

    /** Nova cannot filter on metadata, so the token is matched on the project's server list, every page of it. */
    private Optional<Server> findInRegion(String region, IdempotencyToken token) {
        return listIn(region).stream()
                .filter(server -> ServerToProviderServer.tokenOf(server).equals(Optional.of(token)))
                .filter(server -> server.getStatus() != Server.Status.DELETED)
                .findFirst()
                .map(Server.class::cast);
    }

    private List<? extends Server> listIn(String region) {
        return session.call(region, Target.of(ResourceType.SERVER, "*"), pages::all);
    }

    private Optional<Server> fetch(String region, String serverId) {
        return Optional.ofNullable(session.call(region, Target.of(ResourceType.SERVER, serverId),
                os -> os.compute().servers().get(serverId)));
    }

    /** With one region there is nothing to search; with several, the server is where Nova knows it. */
    private String regionOf(String serverId) {
        if (session.regions().size() == 1) {
            return session.regions().get(0);
        }
        for (String region : session.regions()) {
            if (fetch(region, serverId).isPresent()) {
                return region;
            }
        }
        throw notFound(serverId);
    }

    private ResourceNotFound notFound(String serverId) {
        return new ResourceNotFound(session.provider(), ResourceType.SERVER, serverId, "server " + serverId + " not found", "itemNotFound", null);
    }
}
