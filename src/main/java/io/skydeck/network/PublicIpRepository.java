package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

@ApplicationScoped
public class PublicIpRepository implements PanacheRepositoryBase<PublicIp, UUID> {
}
