package io.durakv.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteBatchTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void newBatchIsEmpty() {
        WriteBatch batch = new WriteBatch();
        assertThat(batch.size()).isZero();
        assertThat(batch.ops()).isEmpty();
    }

    @Test
    void opsKeepTheOrderAddedAndSizeCountsThem() {
        WriteBatch batch = new WriteBatch().put(bytes("b"), bytes("1")).delete(bytes("a")).put(bytes("b"), bytes("2"));
        assertThat(batch.size()).isEqualTo(3);
        assertThat(batch.ops()).extracting(op -> new String(op.key(), StandardCharsets.UTF_8))
                .containsExactly("b", "a", "b");
        assertThat(batch.ops().get(0).value()).isEqualTo(bytes("1"));
        assertThat(batch.ops().get(2).value()).isEqualTo(bytes("2"));
    }

    @Test
    void putAndDeleteReturnTheBatch() {
        WriteBatch batch = new WriteBatch();
        assertThat(batch.put(bytes("k"), bytes("v"))).isSameAs(batch);
        assertThat(batch.delete(bytes("k"))).isSameAs(batch);
    }

    @Test
    void isDeleteTellsDeletesFromPuts() {
        WriteBatch batch = new WriteBatch().put(bytes("k"), bytes("v")).delete(bytes("k")).put(bytes("e"), new byte[0]);
        assertThat(batch.ops()).extracting(WriteBatch.Op::isDelete).containsExactly(false, true, false);
        assertThat(batch.ops().get(1).value()).isNull();
    }

    @Test
    void addedArraysAreCopied() {
        byte[] key = bytes("key");
        byte[] value = bytes("value");
        WriteBatch batch = new WriteBatch().put(key, value).delete(key);
        key[0] = 'X';
        value[0] = 'X';
        assertThat(batch.ops().get(0).key()).isEqualTo(bytes("key")).isNotSameAs(key);
        assertThat(batch.ops().get(0).value()).isEqualTo(bytes("value")).isNotSameAs(value);
        assertThat(batch.ops().get(1).key()).isEqualTo(bytes("key"));
    }

    @Test
    void nullsAreRejectedAndNothingIsAdded() {
        WriteBatch batch = new WriteBatch().put(bytes("k"), bytes("v"));
        assertThatThrownBy(() -> batch.put(null, bytes("v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> batch.put(bytes("k"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value");
        assertThatThrownBy(() -> batch.delete(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThat(batch.size()).isEqualTo(1);
    }

    @Test
    void clearEmptiesTheBatchForReuse() {
        WriteBatch batch = new WriteBatch().put(bytes("a"), bytes("1")).delete(bytes("b"));
        batch.clear();
        assertThat(batch.size()).isZero();
        assertThat(batch.ops()).isEmpty();
        batch.put(bytes("c"), bytes("3"));
        assertThat(batch.size()).isEqualTo(1);
        assertThat(batch.ops().get(0).key()).isEqualTo(bytes("c"));
    }

    @Test
    void opsListIsUnmodifiable() {
        WriteBatch batch = new WriteBatch().put(bytes("a"), bytes("1"));
        assertThatThrownBy(() -> batch.ops().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> batch.ops().add(new WriteBatch.Op(bytes("x"), null)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(batch.size()).isEqualTo(1);
    }

    @Test
    void toStringCountsTheOps() {
        assertThat(new WriteBatch().put(bytes("a"), bytes("1")).delete(bytes("b")).toString()).contains("2");
    }
}
