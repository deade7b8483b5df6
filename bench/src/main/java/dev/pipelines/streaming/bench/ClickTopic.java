package dev.pipelines.streaming.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The benchmark input: click events as JSON, 6 ms of event time apart (so 10,000 per minute
 * window), 50 pages, 1,000 users. The same topic feeds every contender.
 */
final class ClickTopic {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final int PAGES = 50;

  private ClickTopic() {}

  static String click(long i) {
    return "{\"userId\":\"u" + (i % 1000) + "\",\"page\":\"/p" + (i % PAGES) + "\",\"amount\":" + (i % 100)
        + ".5,\"eventTime\":\"" + T0.plusMillis(6 * i) + "\"}";
  }

  static void produce(String bootstrap, String topic, long records) {
    Map<String, Object> conf = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.ACKS_CONFIG, "1");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
      for (long i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, "u" + (i % 1000), click(i)));
      }
      producer.flush();
    }
  }

  /** Benchmark 2: a plain consumer reading the whole topic; rows per second. */
  static double rawConsumerRate(String bootstrap, String topic, long records) {
    Map<String, Object> conf = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(conf, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long read = 0;
      long bytes = 0;
      long start = System.nanoTime();
      while (read < records) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofSeconds(1));
        for (var r : batch) {
          bytes += r.value().length; // touch the payload, as any real reader must
        }
        read += batch.count();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return bytes > 0 ? read / seconds : 0;
    }
  }
}
