package io.durakv.api;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnginePropertiesTest {

    @Test
    void unsetPropertiesTakeTheirDefaults() {
        EngineProperties p = new EngineProperties("lsm", Map.of());
        assertThat(p.bytes("lsm.memtableBytes", 4096, 1024, 8192)).isEqualTo(4096);
        assertThat(p.ratio("bitcask.mergeDeadRatio", 0.5, 0, 1)).isEqualTo(0.5);
        p.rejectUnknown();
    }

    @Test
    void booleansAreTrueOrFalseInAnyCaseAndAnythingElseIsRejectedByName() {
        EngineProperties p = new EngineProperties("x", Map.of("a", " TRUE ", "b", "false", "c", "yes"));
        assertThat(p.bool("a", false)).isTrue();
        assertThat(p.bool("b", true)).isFalse();
        assertThat(p.bool("unset", true)).isTrue();
        assertThatThrownBy(() -> p.bool("c", true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c").hasMessageContaining("yes").hasMessageContaining("true or false");
    }

    @Test
    void setPropertiesAreParsed() {
        EngineProperties p = new EngineProperties("x", Map.of("a", " 2048 ", "r", "0.25", "n", "7"));
        assertThat(p.bytes("a", 1, 1, 4096)).isEqualTo(2048);
        assertThat(p.ratio("r", 0.5, 0, 1)).isEqualTo(0.25);
        assertThat(p.longValue("n", 1, 1, 10)).isEqualTo(7);
        p.rejectUnknown();
    }

    @Test
    void outOfRangeOrMalformedValuesAreRejectedWithTheirName() {
        EngineProperties p = new EngineProperties("x", Map.of("a", "99999", "b", "12k", "r", "1.5", "s", "NaN"));
        assertThatThrownBy(() -> p.bytes("a", 1, 1, 4096)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a").hasMessageContaining("99999").hasMessageContaining("4096");
        assertThatThrownBy(() -> p.bytes("b", 1, 1, 4096)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'12k'");
        assertThatThrownBy(() -> p.ratio("r", 0.5, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("r");
        assertThatThrownBy(() -> p.ratio("s", 0.5, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
    }

    @Test
    void unknownPropertiesFailNamingThem() {
        EngineProperties p = new EngineProperties("btree", Map.of("btree.checkpointBytes", "4096", "btree.typo", "1"));
        p.bytes("btree.checkpointBytes", 1, 1, 1 << 20);
        assertThatThrownBy(p::rejectUnknown).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("btree.typo").hasMessageContaining("btree");
    }
}
