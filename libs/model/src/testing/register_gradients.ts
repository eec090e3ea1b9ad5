// The CommonJS build of tfjs-core ships without op gradients (the umbrella @tensorflow/tfjs
// package registers them). Reference tests differentiate plain tfjs ops, so they load the
// registrations from tfjs-core's ES module build (transformed by jest, see jest.config.js);
// gradients live in a process-wide registry shared by both builds.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
