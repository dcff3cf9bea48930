package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.actions.RebuildOptions;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A version onto a Nova server by rebuilding it from the version's image: the server keeps its
 * id, ports, addresses and flavor; its disk is the new image.
 *
 * <ul>
 *   <li>install = {@code POST /servers/{id}/action} {@code {"rebuild": {"imageRef": …,
 *       "metadata": …}}} ({@code servers().rebuild(id, RebuildOptions.create().image(…)
 *       .metadata(…))}). Nova has no client token, so the install token is written into the
 *       server's metadata under {@link #INSTALL_TOKEN_KEY} by the rebuild itself (a rebuild
 *       replaces all metadata, so the rest is sent back unchanged); a repeat that finds its token
 *       there sends nothing. An image Nova cannot find is a {@link RequestRejected}, the SPI's
 *       "a version the provider cannot install".
 *   <li>poll = the server: {@code ACTIVE} (or {@code SHUTOFF}: Nova rebuilds a stopped server and
 *       leaves it stopped), no task, on the new image → done; {@code ERROR} → failed with Nova's
 *       fault; anything else ({@code REBUILD}, task {@code rebuilding}, {@code
 *       rebuild_spawning} …) → in progress. The handle's detail is the image id.
 *   <li>health = the server is {@code ACTIVE} with no task running. Nova knows nothing of the
 *       application inside; the Octavia pool's health monitor does.
 * </ul>
 * The package URL and SHA-256 of an {@link InstallSpec} are not used: Nova has no install hook.
 */
final class OpenStackDeployments implements Deployments {
    /** The token of the install that last rebuilt the server. */
    static final String INSTALL_TOKEN_KEY = "skydeck-install";

    private final OpenStackSession session;

    OpenStackDeployments(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public OperationHandle install(InstallSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        Target what = Target.of(ResourceType.SERVER, spec.instanceId());
        try {
            session.call(spec.region(), what, os -> {
                Server server = os.compute().servers().get(spec.instanceId());
                if (server == null) {
                    throw notFound(spec.instanceId());
                }
                Map<String, String> metadata = new HashMap<>(server.getMetadata() == null ? Map.of() : server.getMetadata());
                if (token.value().equals(metadata.get(INSTALL_TOKEN_KEY))) {
                    return null; // this install was accepted before; rebuilding again would install twice
                }
                metadata.put(INSTALL_TOKEN_KEY, token.value());
                session.requireSuccess(os.compute().servers().rebuild(spec.instanceId(),
                        RebuildOptions.create().image(spec.artifact()).metadata(metadata)), what);
                return null;
            });
        } catch (ResourceNotFound missing) {
            if (missing.type() == ResourceType.IMAGE) {
                throw new RequestRejected(session.provider(), missing.providerMessage(), missing.providerCode().orElse(null), missing);
            }
            throw missing;
        }
        return session.handle(OperationKind.UPDATE, ResourceType.SERVER, spec.instanceId(), spec.region(), Optional.of(token),
                spec.artifact());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        String image = session.detailOf(handle);
        if (handle.kind() != OperationKind.UPDATE) {
            throw new RequestRejected(session.provider(), "not an install: " + handle.operationId());
        }
        String serverId = handle.resource().id();
        Instant now = session.clock().instant();
        Optional<Server> found = fetch(handle.resource().region(), serverId);
        if (found.isEmpty()) {
            return new OperationStatus.Failed(handle, now, notFound(serverId));
        }
        Server server = found.get();
        Server.Status status = server.getStatus();
        if (status == Server.Status.ERROR) {
            String message = server.getFault() != null && server.getFault().getMessage() != null
                    ? server.getFault().getMessage() : "server " + serverId + " is in ERROR after its rebuild";
            String code = server.getFault() != null ? String.valueOf(server.getFault().getCode()) : "ERROR";
            return new OperationStatus.Failed(handle, now, new ProviderUnavailable(session.provider(), message, code, null));
        }
        boolean settled = server.getTaskState() == null && (status == Server.Status.ACTIVE || status == Server.Status.SHUTOFF);
        if (settled && image.equals(server.getImageId())) {
            return new OperationStatus.Succeeded(handle, now,
                    Optional.of(ServerToProviderServer.convert(server, handle.resource().region())));
        }
        String word = status == null ? "UNKNOWN" : status.name();
        return new OperationStatus.InProgress(handle, server.getTaskState() == null ? word : word + " (" + server.getTaskState() + ")");
    }

    @Override
    public InstanceHealth health(String region, String instanceId) {
        session.requireRegion(region);
        Server server = fetch(region, instanceId).orElseThrow(() -> notFound(instanceId));
        if (server.getStatus() == Server.Status.ACTIVE && server.getTaskState() == null) {
            return InstanceHealth.ok();
        }
        String status = server.getStatus() == null ? "UNKNOWN" : server.getStatus().name();
        return InstanceHealth.failing("server is " + status + (server.getTaskState() == null ? "" : " (" + server.getTaskState() + ")"));
    }

    private Optional<Server> fetch(String region, String serverId) {
        return Optional.ofNullable(session.call(region, Target.of(ResourceType.SERVER, serverId),
                os -> os.compute().servers().get(serverId)));
    }

    private ResourceNotFound notFound(String serverId) {
        return new ResourceNotFound(session.provider(), ResourceType.SERVER, serverId, "server " + serverId + " not found",
                "itemNotFound", null);
    }
}
