package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;

import java.util.List;
import java.util.Optional;

/**
 * Public addresses from TEST-NET-3 (203.0.113.1–254, RFC 5737), shared by all regions, so the
 * 255th allocation is a {@link QuotaExceeded}. Association takes effect when its operation
 * finishes; the operation's argument is the server id (empty to disassociate).
 */
final class SandboxPublicIps implements PublicIps, SandboxCloud.Settler {
    private static final String BLOCK = "203.0.113.";
    private static final int POOL_SIZE = 254;

    private final SandboxCloud cloud;

    SandboxPublicIps(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle allocate(PublicIpSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.ALLOCATE_PUBLIC_IP, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.ALLOCATE_PUBLIC_IP, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            cloud.topology().region(spec.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, spec.region()));
            var state = cloud.state();
            var used = state.publicIps.values().stream().map(ProviderPublicIp::address).toList();
            String address = null;
            for (int host = 1; host <= POOL_SIZE && address == null; host++) {
                address = used.contains(BLOCK + host) ? null : BLOCK + host;
            }
            if (address == null) {
                throw new QuotaExceeded(cloud.name(), "No more floating IPs in pool " + BLOCK + "0/24.", "AddressLimitExceeded", null);
            }
            var ip = new ProviderPublicIp(state.newId("fip"), address, spec.region(), Optional.empty(), Optional.of(token), spec.tags());
            state.publicIps.put(ip.id(), ip);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, ref(ip), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.ALLOCATE_PUBLIC_IP, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle release(String publicIpId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.RELEASE_PUBLIC_IP, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.RELEASE_PUBLIC_IP, publicIpId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var ip = existing(publicIpId);
            if (ip.serverId().isPresent()) {
                throw cloud.rejected("Floating IP " + ip.address() + " is still associated with " + ip.serverId().get() + ".");
            }
            busy(publicIpId);
            var handle = cloud.accept(acceptance, OperationKind.DELETE, ref(ip), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.RELEASE_PUBLIC_IP, publicIpId, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle associate(String publicIpId, String serverId) {
        return cloud.mutate(SandboxCall.ASSOCIATE_PUBLIC_IP, acceptance -> {
            var ip = existing(publicIpId);
            if (!cloud.state().servers.containsKey(serverId)) {
                throw cloud.notFound(ResourceType.SERVER, serverId);
            }
            if (ip.serverId().equals(Optional.of(serverId))) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.UPDATE, ref(ip));
            }
            if (ip.serverId().isPresent()) {
                throw cloud.rejected("Floating IP " + ip.address() + " is associated with " + ip.serverId().get() + "; disassociate it first.");
            }
            busy(publicIpId);
            return cloud.accept(acceptance, OperationKind.UPDATE, ref(ip), Optional.empty(),
                    cloud.topology().latency().network(), Optional.of(serverId));
        });
    }

    @Override
    public OperationHandle disassociate(String publicIpId) {
        return cloud.mutate(SandboxCall.DISASSOCIATE_PUBLIC_IP, acceptance -> {
            var ip = existing(publicIpId);
            if (ip.serverId().isEmpty()) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.UPDATE, ref(ip));
            }
            busy(publicIpId);
            return cloud.accept(acceptance, OperationKind.UPDATE, ref(ip), Optional.empty(),
                    cloud.topology().latency().network(), Optional.empty());
        });
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_PUBLIC_IPS);
    }

    @Override
    public Optional<ProviderPublicIp> get(String publicIpId) {
        return cloud.read(SandboxCall.READ_PUBLIC_IPS, () -> Optional.ofNullable(cloud.state().publicIps.get(publicIpId)));
    }

    @Override
    public Optional<ProviderPublicIp> findByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_PUBLIC_IPS, () -> cloud.state().publicIps.values().stream()
                .filter(ip -> ip.token().equals(Optional.of(token))).findFirst());
    }

    @Override
    public List<ProviderPublicIp> list() {
        return cloud.read(SandboxCall.READ_PUBLIC_IPS, () -> List.copyOf(cloud.state().publicIps.values()));
    }

    @Override
    public void finish(SandboxOperation operation) {
        var state = cloud.state();
        var ip = state.publicIps.get(operation.resource().id());
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        if (ip == null) {
            return;
        }
        switch (operation.kind()) {
            case CREATE -> {
                if (!ok) {
                    state.publicIps.remove(ip.id());
                }
            }
            case DELETE -> {
                if (ok) {
                    state.publicIps.remove(ip.id());
                }
            }
            case UPDATE -> {
                if (ok) {
                    state.publicIps.put(ip.id(), new ProviderPublicIp(ip.id(), ip.address(), ip.region(), operation.argument(),
                            ip.token(), ip.tags()));
                }
            }
            case START, STOP, RESIZE, SCALE -> throw new IllegalStateException("public IPs do not " + operation.kind());
        }
    }

    private void busy(String publicIpId) {
        cloud.pendingOn(publicIpId).ifPresent(op -> {
            throw cloud.rejected("Floating IP " + publicIpId + " is busy with " + op.kind() + ".");
        });
    }

    private ProviderPublicIp existing(String publicIpId) {
        var ip = cloud.state().publicIps.get(publicIpId);
        if (ip == null) {
            throw cloud.notFound(ResourceType.PUBLIC_IP, publicIpId);
        }
        return ip;
    }

    private static ResourceRef ref(ProviderPublicIp ip) {
        return new ResourceRef(ResourceType.PUBLIC_IP, ip.id(), ip.region());
    }
}
