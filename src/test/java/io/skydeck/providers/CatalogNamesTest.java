package io.skydeck.providers;

import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Image;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.platform.problem.ProblemException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatalogNamesTest {

    private final CatalogNames names = new CatalogNames();

    @BeforeEach
    void twoClouds() {
        names.remember("osp", List.of(flavor("42", "m1.nano"), flavor("1", "m1.tiny"), flavor("7", "big"), flavor("8", "big")),
                List.of(new Image("70a5", "cirros"), new Image("aa11", "debian"), new Image("bb22", "debian")));
        names.remember("fra", List.of(flavor("c1", "m1.tiny")), List.of());
    }

    @Test
    void aFlavorNameResolvesToItsIdAndAnIdStaysItself() {
        assertThat(names.flavorId("m1.nano")).isEqualTo("42");
        assertThat(names.flavorId("42")).isEqualTo("42");
        assertThat(names.flavorOn("osp", "m1.nano")).contains(new CatalogNames.Named("42", "m1.nano"));
        assertThat(names.flavorOn("fra", "m1.nano")).isEmpty();
    }

    @Test
    void aNameTwoFlavorsCarryIsRefusedListingTheCandidates() {
        assertThatThrownBy(() -> names.flavorId("m1.tiny")).isInstanceOfSatisfying(ProblemException.class, e ->
                assertThat(e.getMessage()).contains("osp/1").contains("fra/c1"));
        assertThatThrownBy(() -> names.flavorOn("osp", "big")).isInstanceOfSatisfying(ProblemException.class, e ->
                assertThat(e.getMessage()).contains("osp/7, osp/8"));
        assertThat(names.flavorOn("fra", "m1.tiny")).contains(new CatalogNames.Named("c1", "m1.tiny"));
    }

    @Test
    void imagesResolvePerProviderAndAnUnknownOneIsRefusedBeforeTheProviderIsAsked() {
        assertThat(names.imageOn("osp", "cirros")).isEqualTo(new CatalogNames.Named("70a5", "cirros"));
        assertThat(names.imageOn("osp", "70a5")).isEqualTo(new CatalogNames.Named("70a5", "cirros"));
        assertThatThrownBy(() -> names.imageOn("osp", "tiny-raw")).isInstanceOfSatisfying(ProblemException.class, e ->
                assertThat(e.getMessage()).contains("provider osp has no image 'tiny-raw'"));
        assertThatThrownBy(() -> names.imageOn("osp", "debian")).isInstanceOfSatisfying(ProblemException.class, e ->
                assertThat(e.getMessage()).contains("osp/aa11, osp/bb22"));
    }

    @Test
    void aProviderThatListsNoImagesGetsTheReferenceAsGiven() {
        assertThat(names.imageOn("fra", "ami-0abc")).isEqualTo(new CatalogNames.Named("ami-0abc", null));
        assertThat(names.imageOn("unknown", "x")).isEqualTo(new CatalogNames.Named("x", null));
    }

    private static Flavor flavor(String id, String name) {
        return new Flavor(id, name, new Resources(1, 512, 0), 1);
    }
}
