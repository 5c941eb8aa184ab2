// tfjs-core alone registers no gradients in Node; training needs them. Imported once by index.ts.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
