// `npm run bench`: every benchmark in turn, each printing its own figures.
console.log(`Tenantwatch benchmarks: node ${process.version}, ${new Date().toISOString()}`);
await import('./db-write.ts');
await import('./api.ts');
await import('./enrich.ts');
await import('./detect.ts');
// The import end to end, through the command line in a process of its own.
await import('./ingest.ts');
await import('./web.ts');
await import('./notify.ts');
const { runPredicateBenchmark } = await import('./filter-language.ts');
runPredicateBenchmark();
// Last: it starts the Microsoft 365 simulator in a process of its own.
await import('./collect.ts');
