package io.durakv.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeyValueTest {

    @Test
    void equalsAndHashCodeCompareContentNotIdentity() {
        KeyValue a = new KeyValue(new byte[]{1, 2}, new byte[]{3});
        KeyValue b = new KeyValue(new byte[]{1, 2}, new byte[]{3});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isEqualTo(a);
    }

    @Test
    void differentKeyOrValueIsNotEqual() {
        KeyValue a = new KeyValue(new byte[]{1, 2}, new byte[]{3});
        assertThat(a).isNotEqualTo(new KeyValue(new byte[]{1, 2, 0}, new byte[]{3}));
        assertThat(a).isNotEqualTo(new KeyValue(new byte[]{1, 2}, new byte[]{3, 0}));
        assertThat(a).isNotEqualTo(new KeyValue(new byte[]{3}, new byte[]{1, 2}));
        assertThat(a).isNotEqualTo(new KeyValue(new byte[]{1, 2}, new byte[0]));
        assertThat(a).isNotEqualTo(null);
        assertThat(a).isNotEqualTo("KeyValue");
    }

    @Test
    void emptyArraysAreEqualByContent() {
        assertThat(new KeyValue(new byte[0], new byte[0])).isEqualTo(new KeyValue(new byte[0], new byte[0]))
                .hasSameHashCodeAs(new KeyValue(new byte[0], new byte[0]));
    }

    @Test
    void toStringShowsTheKeyAndTheValueSize() {
        assertThat(new KeyValue(new byte[]{7, 8}, new byte[5]).toString()).contains("[7, 8]").contains("5 bytes");
    }
}
