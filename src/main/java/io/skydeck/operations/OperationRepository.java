package io.skydeck.operations;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link Operation} rows, through Panache. */
@ApplicationScoped
public class OperationRepository implements PanacheRepositoryBase<Operation, UUID> {
}
