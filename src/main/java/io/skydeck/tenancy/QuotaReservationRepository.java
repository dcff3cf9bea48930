package io.skydeck.tenancy;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link QuotaReservation} rows, through Panache. */
@ApplicationScoped
public class QuotaReservationRepository implements PanacheRepositoryBase<QuotaReservation, UUID> {
}
