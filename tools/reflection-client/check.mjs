// Usage: node check.mjs host:port
// Uses only server reflection (no .proto file): lists the services, fetches the descriptor of
// biomatch.v1.Biomatch, builds a client from it and calls Stats.
import grpc from '@grpc/grpc-js';
import reflection from 'grpc-reflection-js';

const target = process.argv[2] ?? 'localhost:7300';
const creds = grpc.credentials.createInsecure();
const client = new reflection.Client(target, creds);

const services = await client.listServices();
console.log('services:', services.join(', '));
const root = await client.fileContainingSymbol('biomatch.v1.Biomatch');
const service = root.lookupService('biomatch.v1.Biomatch');
console.log('biomatch.v1.Biomatch methods:', Object.keys(service.methods).join(', '));

const method = service.methods['Stats'];
const Req = root.lookupType(method.requestType);
const Res = root.lookupType(method.responseType);
const Ctor = grpc.makeGenericClientConstructor({
  Stats: {
    path: '/biomatch.v1.Biomatch/Stats', requestStream: false, responseStream: false,
    requestSerialize: (m) => Buffer.from(Req.encode(Req.fromObject(m)).finish()),
    requestDeserialize: (b) => Req.decode(b),
    responseSerialize: (m) => Buffer.from(Res.encode(m).finish()),
    responseDeserialize: (b) => Res.toObject(Res.decode(b), { longs: String, defaults: true }),
  },
}, 'Biomatch');
const stub = new Ctor(target, creds);
stub.Stats({}, (err, res) => {
  if (err) {
    console.error('Stats failed:', err.code, err.details);
    process.exit(1);
  }
  console.log('Stats:', JSON.stringify(res));
  process.exit(0);
});
