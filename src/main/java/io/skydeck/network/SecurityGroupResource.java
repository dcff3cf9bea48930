package io.skydeck.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.network.policy.SecurityGroupDraft;
import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.ProjectService;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/security-groups}: a tenant's allow-rules, applied to the provider of the group's network. */
@Path("/v1/security-groups")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class SecurityGroupResource {

    /** A rule as tenants write it: direction, protocol, ports for tcp/udp, and exactly one of remoteCidr and remoteGroup. */
    public record RuleView(String direction, String protocol, Integer portFrom, Integer portTo, String remoteCidr, String remoteGroup) {
        SecurityGroupDraft.Rule draft() {
            return new SecurityGroupDraft.Rule(direction, protocol, portFrom, portTo, remoteCidr, remoteGroup);
        }
    }

    public record CreateSecurityGroup(UUID tenantId, @NotNull UUID projectId, @NotNull UUID networkId,
                                      @NotBlank @Pattern(regexp = NetworkViews.NAME_PATTERN, message = NetworkViews.NAME_MESSAGE) String name,
                                      @Size(max = 255) String description,
                                      @NotNull @Size(max = 100) List<@NotNull RuleView> rules) {
    }

    public record ReplaceRules(@NotNull @Size(max = 100) List<@NotNull RuleView> rules) {
    }

    public record SecurityGroupView(UUID id, UUID tenantId, UUID projectId, UUID networkId, String name, String description,
                                    String provider, String region, String providerGroupId, TenantSecurityGroup.Status status,
                                    List<RuleView> rules, Instant createdAt, Instant updatedAt) {
    }

    public record Accepted(SecurityGroupView resource, OperationView operation) {
    }

    private static final TypeReference<List<RuleView>> RULES = new TypeReference<>() {
    };

    @Inject
    SecurityGroupService groups;

    @Inject
    NetworkService networks;

    @Inject
    TenantService tenants;

    @Inject
    ProjectService projects;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @Inject
    ObjectMapper json;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateSecurityGroup request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        Project project = projects.find(request.projectId())
                .filter(p -> p.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("project", request.projectId()));
        Network network = networks.find(request.networkId())
                .filter(n -> n.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("network", request.networkId()));
        List<SecurityGroupDraft.Rule> rules = request.rules().stream().map(RuleView::draft).toList();
        return idempotency.execute(key, "POST /v1/security-groups", request,
                () -> accepted(groups.create(tenant, project, network, request.name(), request.description(), rules)));
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<SecurityGroupView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("networkId") String networkParam,
                                        @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(groups.list(tenant, QueryParams.uuid("networkId", networkParam), page), page.limit(),
                SecurityGroupService::position, this::view);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Response get(@PathParam("id") UUID id) {
        TenantSecurityGroup group = visible(id);
        return Response.ok(view(group)).tag(String.valueOf(group.version())).build();
    }

    @PUT
    @Path("/{id}/rules")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response replaceRules(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                                 @NotNull @Valid ReplaceRules request) {
        TenantSecurityGroup group = visible(id);
        List<SecurityGroupDraft.Rule> rules = request.rules().stream().map(RuleView::draft).toList();
        return idempotency.execute(key, "PUT /v1/security-groups/" + id + "/rules", request,
                () -> accepted(groups.replaceRules(group, rules)));
    }

    @POST
    @Path("/{id}/reapply")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response reapply(@PathParam("id") UUID id) {
        return accepted(groups.reapply(visible(id)));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response delete(@PathParam("id") UUID id) {
        return groups.delete(visible(id)).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(SecurityGroupService.Started started) {
        return Response.accepted(new Accepted(view(started.group()), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private SecurityGroupView view(TenantSecurityGroup g) {
        List<RuleView> rules;
        try {
            rules = json.readValue(g.rules(), RULES);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored rules of security group " + g.id() + " are not readable", e);
        }
        return new SecurityGroupView(g.id(), g.tenantId(), g.projectId(), g.networkId(), g.name(), g.description(), g.provider(),
                g.region(), g.providerGroupId(), g.status(), rules, g.createdAt(), g.updatedAt());
    }

    private TenantSecurityGroup visible(UUID id) {
        return groups.find(id)
                .filter(g -> caller.mayAccessTenant(g.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("security group", id));
    }
}
