package io.skydeck.compute;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link Workload} rows, through Panache. */
@ApplicationScoped
public class WorkloadRepository implements PanacheRepositoryBase<Workload, UUID> {
}
