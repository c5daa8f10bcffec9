import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGTERM / SIGINT drain running tasks (up to shutdownTimeout) before exiting.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  console.log(`Dashboard: http://localhost:${port}/admin/scheduler`);
  console.log(
    `Sample listening on http://localhost:${port} — try: curl -X POST localhost:${port}/emails -H 'content-type: application/json' -d '{"to":"you@example.com","subject":"Hi","body":"Hello"}'`,
  );
}

void bootstrap();
