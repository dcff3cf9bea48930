package io.skydeck.tenancy;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.time.Instant;
import java.util.UUID;

/** Request and response bodies of the tenancy API. */
public final class TenancyViews {

    private TenancyViews() {
    }

    static final String NAME_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    static final String NAME_MESSAGE = "lower-case letters, digits and '-', 1 to 63 characters, like a DNS label";

    public record CreateTenant(
            @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
            @Size(max = 200) String displayName,
            @Valid QuotaAmounts quota,
            @Size(max = 20) java.util.Set<@Pattern(regexp = PROVIDER_PATTERN, message = PROVIDER_MESSAGE) String> allowedProviders) {
    }

    /** Fields left out stay as they are; {@code allowedProviders: []} allows every provider again. */
    public record UpdateTenant(@Size(min = 1, max = 200) String displayName, Tenant.Status status,
                               @Size(max = 20) java.util.Set<@Pattern(regexp = PROVIDER_PATTERN, message = PROVIDER_MESSAGE) String> allowedProviders) {
    }

    static final String PROVIDER_PATTERN = "[a-z0-9][a-z0-9._-]{0,62}";
    static final String PROVIDER_MESSAGE = "a provider name: lower-case letters, digits, '.', '_' and '-'";

    public record TenantView(UUID id, String name, String displayName, Tenant.Status status,
                             java.util.Set<String> allowedProviders, Instant createdAt, Instant updatedAt, long version) {
        static TenantView of(Tenant t) {
            return new TenantView(t.id(), t.name(), t.displayName(), t.status(), new java.util.TreeSet<>(t.allowedProviders()),
                    t.createdAt(), t.updatedAt(), t.version());
        }
    }

    public record CreateProject(
            @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
            @Size(max = 500) String description) {
    }

    public record UpdateProject(@Size(max = 500) String description) {
    }

    public record ProjectView(UUID id, UUID tenantId, String name, String description,
                              Instant createdAt, Instant updatedAt, long version) {
        static ProjectView of(Project p) {
            return new ProjectView(p.id(), p.tenantId(), p.name(), p.description(), p.createdAt(), p.updatedAt(), p.version());
        }
    }

    public record QuotaView(UUID tenantId, QuotaAmounts limits, QuotaAmounts used, QuotaAmounts available) {
        static QuotaView of(UUID tenantId, QuotaService.Usage usage) {
            return new QuotaView(tenantId, usage.limits(), usage.used(), usage.available());
        }
    }

    public record CreateReservation(@NotBlank @Size(max = 200) String purpose, @NotNull @Valid QuotaAmounts amounts) {
    }

    public record ReservationView(UUID id, UUID tenantId, String purpose, QuotaAmounts amounts,
                                  QuotaReservation.State state, Instant createdAt, Instant releasedAt) {
        static ReservationView of(QuotaReservation r) {
            return new ReservationView(r.id(), r.tenantId(), r.purpose(), r.amounts(), r.state(), r.createdAt(), r.releasedAt());
        }
    }
}
