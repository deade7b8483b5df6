package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real Kafka broker (KRaft, combined broker+controller) in a child JVM on 127.0.0.1, from
 * the jars Maven resolved for test-support/kafka-broker. One per test run: see {@link #shared()}.
 */
public final class KafkaBroker implements AutoCloseable {
  private static KafkaBroker shared;

  private final Process process;
  private final String bootstrapServers;
  private final Path dir;

  private KafkaBroker(Process process, String bootstrapServers, Path dir) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.dir = dir;
  }

  /** The suite's broker, started on first use and killed when the test JVM exits. */
  public static synchronized KafkaBroker shared() {
    if (shared == null) {
      try {
        shared = start(Files.createTempDirectory("kafka-broker"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  public static KafkaBroker start(Path dir) throws IOException {
    return start(dir, "127.0.0.1");
  }

  /**
   * A broker whose clients' listener binds {@code host} (and is advertised there): a real
   * node's pods reach it on the node's bridge address. The controller stays on loopback.
   */
  public static KafkaBroker start(Path dir, String host) throws IOException {
    String classpath = brokerClasspath();
    int brokerPort = freePort();
    int controllerPort = freePort();
    Path config = dir.resolve("server.properties");
    Files.writeString(config, String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://" + host + ":" + brokerPort,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        ""));
    Path log4j = dir.resolve("log4j.properties");
    Files.writeString(log4j, "log4j.rootLogger=WARN, stdout\n"
        + "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
        + "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
        + "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
    Path log = dir.resolve("broker.log");
    List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dlog4j.configuration=file:" + log4j, "-cp", classpath);

    List<String> format = new ArrayList<>(java);
    format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()));
    Process formatting = new ProcessBuilder(format).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
        throw new IllegalStateException("formatting Kafka storage failed:\n" + Files.readString(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }

    List<String> server = new ArrayList<>(java);
    server.addAll(List.of("kafka.Kafka", config.toString()));
    Process process = new ProcessBuilder(server).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    KafkaBroker broker = new KafkaBroker(process, host + ":" + brokerPort, dir);
    broker.awaitReady(Duration.ofSeconds(90));
    return broker;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public void createTopic(String topic, int partitions) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topic " + topic, e);
    }
  }

  /** The topics the broker has. */
  public java.util.Set<String> topics() {
    try (Admin admin = admin()) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot list topics", e);
    }
  }

  /** Deletes a topic and waits until the broker no longer lists it. */
  public void deleteTopic(String topic) {
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot delete topic " + topic, e);
    }
  }

  /** Sends key/value records and waits for the broker to acknowledge them all. */
  public void produce(String topic, List<Map.Entry<String, String>> records) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (Map.Entry<String, String> r : records) {
        producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
      }
      producer.flush();
    }
  }

  /** Sends records as built (headers, partitions, timestamps) and waits for the broker to acknowledge them all. */
  public void send(List<ProducerRecord<String, String>> records) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      records.forEach(producer::send);
      producer.flush();
    }
  }

  /** Every record of the topic from the beginning, waiting until at least {@code atLeast} arrived. */
  public List<ConsumerRecord<String, String>> readAll(String topic, int atLeast, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
      }
      // drain anything else already there, so "nothing duplicated" can be checked
      consumer.poll(Duration.ofSeconds(1)).forEach(out::add);
    }
    return out;
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
  }

  private void awaitReady(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Admin admin = admin()) {
        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
      }
    }
    close();
    throw new IllegalStateException("Kafka broker did not start (" + last + "):\n"
        + Files.readString(dir.resolve("broker.log")));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String brokerClasspath() throws IOException {
    String file = System.getProperty("kafka.broker.classpath.file");
    if (file == null || !Files.exists(Path.of(file))) {
      throw new IllegalStateException("kafka.broker.classpath.file not found (" + file
          + "); build with Maven so test-support/kafka-broker writes it");
    }
    return Files.readString(Path.of(file)).strip();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
