package io.durakv.wal;

import org.junit.jupiter.api.Test;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static io.durakv.wal.WalFormat.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link FrameCodec#encode}: the same frame bytes into buffers of either byte order, heap or direct. */
class FrameCodecTest {

    @Test
    void aFrameHasTheSameBytesInBuffersOfEitherOrderAndKind() {
        Random random = new Random(7);
        for (int length : new int[] {0, 1, 27, 100, 4096}) {
            byte[] payload = new byte[length];
            random.nextBytes(payload);
            byte[] expected = null;
            for (ByteBuffer dst : new ByteBuffer[] {ByteBuffer.allocate(8192), ByteBuffer.allocate(8192).order(ORDER),
                    ByteBuffer.allocateDirect(8192), ByteBuffer.allocateDirect(8192).order(ORDER)}) {
                ByteOrder order = dst.order();
                dst.position(13).limit(13 + FRAME_HEADER_SIZE + length + 5);
                FrameCodec.encode(dst, TYPE_DATA, 42, 4096, payload);
                assertThat(dst.position()).isEqualTo(13 + FRAME_HEADER_SIZE + length);
                assertThat(dst.limit()).as("the limit is restored").isEqualTo(13 + FRAME_HEADER_SIZE + length + 5);
                assertThat(dst.order()).isEqualTo(order);
                byte[] frame = new byte[FRAME_HEADER_SIZE + length];
                dst.get(13, frame);
                ByteBuffer f = ByteBuffer.wrap(frame).order(ORDER);
                assertThat(f.getInt(FRAME_LENGTH)).isEqualTo(length);
                assertThat(f.get(FRAME_TYPE)).isEqualTo(TYPE_DATA);
                assertThat(f.getLong(FRAME_LSN)).isEqualTo(42);
                assertThat(f.getLong(FRAME_FORCED_OFFSET)).isEqualTo(4096);
                assertThat(f.getInt(FRAME_CRC))
                        .isEqualTo(FrameCodec.crc(frame, FRAME_LENGTH, frame.length - FRAME_LENGTH));
                if (expected == null) {
                    expected = frame;
                } else {
                    assertThat(frame).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aFrameThatDoesNotFitWritesNothing() {
        ByteBuffer dst = ByteBuffer.allocate(64).order(ORDER);
        dst.position(10);
        assertThatThrownBy(() -> FrameCodec.encode(dst, TYPE_DATA, 1, 0, new byte[64 - 10 - FRAME_HEADER_SIZE + 1]))
                .isInstanceOf(BufferOverflowException.class);
        assertThat(dst.position()).isEqualTo(10);
        assertThat(dst.array()).containsOnly(0);
    }
}
