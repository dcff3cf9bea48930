package io.skydeck.compute;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** {@link Server} rows, through Panache. */
@ApplicationScoped
public class ServerRepository implements PanacheRepositoryBase<Server, UUID> {
}
