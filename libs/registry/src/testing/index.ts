export * from './postgres';
export { describeBlobStore, describeRegistryStore, type StoreUnderTest } from '../store/conformance';
