package io.skydeck.connectors.openstack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.openstack.octavia.internal.BaseOctaviaServices;

import java.util.List;

/**
 * {@code GET /v2.0/lbaas/pools/{pool_id}/members} with the fields OpenStack4j 3.12's
 * {@code MemberV2} leaves out: {@code operating_status} (whether the load balancer sends the
 * member traffic) and {@code provisioning_status}. Everything else about pools and members goes
 * through OpenStack4j's own {@code octavia().lbPoolV2()}; this reuses its transport, endpoint
 * lookup (catalog type "load-balancer", "/v2.0" appended, which Octavia serves like "/v2") and the
 * session of the calling thread, so the token and error recording are the same.
 */
final class OctaviaPoolMembers extends BaseOctaviaServices {

    /** @throws ResponseException for an error answer (OpenStack4j's plain execute() reads a 404 as "no members") */
    List<Member> list(String poolId) {
        HttpResponse response = get(Members.class, uri("/lbaas/pools/%s/members", poolId)).executeWithResponse();
        if (response.getStatus() >= 400) {
            throw new ResponseException(response.getStatusMessage(), response.getStatus());
        }
        Members members = response.getEntity(Members.class);
        return members == null || members.members == null ? List.of() : members.members;
    }

    /** One member as the Octavia API reference shows it; unknown fields are ignored. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Member(
            @JsonProperty("id") String id,
            @JsonProperty("address") String address,
            @JsonProperty("protocol_port") Integer protocolPort,
            @JsonProperty("subnet_id") String subnetId,
            @JsonProperty("admin_state_up") boolean adminStateUp,
            @JsonProperty("operating_status") String operatingStatus,
            @JsonProperty("provisioning_status") String provisioningStatus) {

        /**
         * {@code ONLINE} (passes its health monitor) or {@code NO_MONITOR} (the pool has none, so
         * every enabled member gets traffic). Not {@code OFFLINE} (admin down), {@code DRAINING}
         * (takes no new connections), {@code ERROR} (fails its health monitor).
         */
        boolean receivesTraffic() {
            return adminStateUp && ("ONLINE".equals(operatingStatus) || "NO_MONITOR".equals(operatingStatus));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Members(@JsonProperty("members") List<Member> members) {
    }
}
